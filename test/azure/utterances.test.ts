import { afterEach, describe, expect, it, vi } from 'vitest';
import { Utterances } from '../../src/azure/utterances.ts';

function recorded(): { events: string[]; payloads: object[]; utterances: Utterances } {
  const events: string[] = [];
  const payloads: object[] = [];
  const utterances = new Utterances((event, payload) => {
    events.push(event);
    payloads.push(payload);
  });
  return { events, payloads, utterances };
}

describe('Utterances', () => {
  it('starts and stops an utterance once, however often the service repeats itself', () => {
    const { events, payloads, utterances } = recorded();
    const first = utterances.started();
    expect(utterances.started()).toBe(first);
    expect(utterances.result()).toBe(first);
    expect(first).toMatchObject({ started: true, speaking: true, hasResult: true });
    utterances.stopped();
    utterances.stopped();
    expect(first.speaking).toBe(false);
    expect(events).toEqual(['input_speech_started', 'input_speech_stopped']);
    expect(payloads).toEqual([{}, { userTranscriptionEnabled: true }]);
  });

  it('opens an utterance without announcing it until speech or a result is seen', () => {
    const { events, utterances } = recorded();
    const open = utterances.current();
    expect(open).toMatchObject({ started: false, speaking: false, hasResult: false });
    expect(open.itemId).toMatch(/^item_[0-9a-f-]{12}$/);
    expect(utterances.current()).toBe(open);
    expect(events).toEqual([]);
    expect(utterances.result()).toBe(open);
    expect(events).toEqual(['input_speech_started']);
  });

  it('keeps the id of an utterance with results when speech ends, for the final still to come', () => {
    const { events, utterances } = recorded();
    const spoken = utterances.result();
    utterances.speechEnded();
    expect(events).toEqual(['input_speech_started', 'input_speech_stopped']);
    expect(utterances.current()).toBe(spoken);
    utterances.end();
    expect(events).toEqual(['input_speech_started', 'input_speech_stopped']);
    expect(utterances.current()).not.toBe(spoken);
  });

  it('ends an utterance the service did not recognize when speech ends', () => {
    const { events, utterances } = recorded();
    const unrecognized = utterances.started();
    utterances.speechEnded();
    expect(events).toEqual(['input_speech_started', 'input_speech_stopped']);
    const next = utterances.started();
    expect(next).not.toBe(unrecognized);
    expect(next.itemId).not.toBe(unrecognized.itemId);
    expect(events).toEqual(['input_speech_started', 'input_speech_stopped', 'input_speech_started']);
  });

  it('ignores the end of speech and stops when no utterance is in progress', () => {
    const { events, utterances } = recorded();
    utterances.speechEnded();
    utterances.stopped();
    utterances.end();
    expect(events).toEqual([]);
    // An utterance opened but never started is not stopped either.
    utterances.current();
    utterances.end();
    expect(events).toEqual([]);
  });
});

describe('Utterances: ids and times', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('dates an utterance when it is opened, not when it starts, and gives each a fresh id', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(1_700_000_000_000);
    const { utterances } = recorded();
    const open = utterances.current();
    expect(open.startedAt).toBe(1_700_000_000_000);
    vi.setSystemTime(1_700_000_005_000);
    expect(utterances.started().startedAt).toBe(1_700_000_000_000);
    utterances.end();
    const next = utterances.current();
    expect(next.startedAt).toBe(1_700_000_005_000);
    expect(next.itemId).not.toBe(open.itemId);
    expect(next.itemId).toHaveLength('item_'.length + 12);
  });

  it('a result after the end of speech reopens nothing: the utterance with results is still current', () => {
    const { events, utterances } = recorded();
    const spoken = utterances.result();
    utterances.speechEnded();
    expect(utterances.result()).toBe(spoken);
    expect(spoken).toMatchObject({ started: true, speaking: false, hasResult: true });
    // Its stop was announced once, and ending it announces nothing more.
    utterances.end();
    expect(events).toEqual(['input_speech_started', 'input_speech_stopped']);
  });

  it('end() stops an utterance still speaking, once', () => {
    const { events, utterances } = recorded();
    utterances.started();
    utterances.end();
    utterances.end();
    expect(events).toEqual(['input_speech_started', 'input_speech_stopped']);
  });
});
