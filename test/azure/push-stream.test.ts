/**
 * PushStream: a ReadableStream fed synchronously. Writes after the stream ended (closed by us or
 * cancelled by the reader) are dropped without throwing, because they come from SDK callbacks
 * that must not fail.
 */
import type { ReadableStream } from 'node:stream/web';
import { describe, expect, it } from 'vitest';
import { PushStream } from '../../src/azure/push-stream.ts';

async function readAll<T>(stream: ReadableStream<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const chunk of stream) out.push(chunk);
  return out;
}

describe('PushStream', () => {
  it('delivers pushed chunks in order and ends when closed', async () => {
    const push = new PushStream<number>();
    push.push(1);
    push.push(2);
    push.push(3);
    push.close();
    expect(await readAll(push.stream)).toEqual([1, 2, 3]);
  });

  it('buffers any number of chunks before a reader comes', async () => {
    const push = new PushStream<number>();
    for (let i = 0; i < 1000; i++) push.push(i);
    push.close();
    const chunks = await readAll(push.stream);
    expect(chunks.length).toBe(1000);
    expect(chunks[999]).toBe(999);
  });

  it('drops chunks pushed after close, without throwing', async () => {
    const push = new PushStream<string>();
    push.push('a');
    push.close();
    expect(() => push.push('late')).not.toThrow();
    expect(await readAll(push.stream)).toEqual(['a']);
  });

  it('closing twice is harmless', async () => {
    const push = new PushStream<string>();
    push.push('a');
    push.close();
    expect(() => push.close()).not.toThrow();
    expect(await readAll(push.stream)).toEqual(['a']);
  });

  it('after the reader cancels, pushes and close are dropped without throwing', async () => {
    const push = new PushStream<number>();
    push.push(1);
    const reader = push.stream.getReader();
    expect(await reader.read()).toEqual({ done: false, value: 1 });
    await reader.cancel('playout interrupted');
    expect(() => push.push(2)).not.toThrow();
    expect(() => push.close()).not.toThrow();
    expect(await reader.read()).toEqual({ done: true, value: undefined });
  });

  it('a reader waiting for a chunk gets the one pushed next', async () => {
    const push = new PushStream<number>();
    const reader = push.stream.getReader();
    const next = reader.read();
    push.push(7);
    expect(await next).toEqual({ done: false, value: 7 });
    const end = reader.read();
    push.close();
    expect(await end).toEqual({ done: true, value: undefined });
  });
});
