import { describe, expect, it } from 'vitest';
import { CaptionAttributes, CaptionWriter } from '../../src/agent/captions.ts';
import { TRANSCRIPTION_TOPIC } from '../../src/agent/room-io.ts';
import { MemoryRoom } from './memory-room.ts';

const caption = (itemId: string, text: string, isFinal = false) => ({ speaker: 'alice', trackSid: 'TR_1', itemId, language: 'fr', text, isFinal });

describe('CaptionWriter', () => {
  it("sends interim and final captions on the speaker's behalf, with LiveKit's attributes and the language, skipping repeated interims", () => {
    const room = new MemoryRoom();
    const writer = new CaptionWriter(room, (error) => {
      throw error;
    });
    writer.send(caption('u1', 'bon'));
    writer.send(caption('u1', 'bon'));
    writer.send(caption('u1', 'bonjour'));
    writer.send(caption('u1', 'bonjour à tous', true));
    // The in-memory room records a text when it is sent: nothing to wait for.
    expect(room.texts.map((t) => t.text)).toEqual(['bon', 'bonjour', 'bonjour à tous']);
    const last = room.texts[2]!;
    expect(last.topic).toBe(TRANSCRIPTION_TOPIC);
    expect(last.attributes).toMatchObject({
      [CaptionAttributes.trackId]: 'TR_1',
      [CaptionAttributes.segmentId]: 'u1-fr',
      [CaptionAttributes.final]: 'true',
      [CaptionAttributes.language]: 'fr',
    });
    expect(last.senderIdentity).toBe('alice');
    // Only what LiveKit defines under its lk. prefix; the language has a key of its own.
    expect(Object.keys(last.attributes).sort()).toEqual(['language', 'lk.segment_id', 'lk.transcribed_track_id', 'lk.transcription_final']);
  });

  it('forgets the oldest segments whose final never came, instead of remembering them forever', () => {
    const room = new MemoryRoom();
    const writer = new CaptionWriter(room, () => undefined);
    for (let i = 0; i < 600; i++) writer.send(caption(`u${i}`, 'same'));
    // u0 was forgotten (an interim of a session that closed): the same text is sent again.
    writer.send(caption('u0', 'same'));
    // u599 is still remembered: its repeat is skipped.
    writer.send(caption('u599', 'same'));
    expect(room.texts).toHaveLength(601);
  });

  it('sends a final caption whose text equals the last interim (only repeated interims are skipped)', () => {
    const room = new MemoryRoom();
    const writer = new CaptionWriter(room, (error) => {
      throw error;
    });
    writer.send(caption('u1', 'bonjour'));
    writer.send(caption('u1', 'bonjour', true));
    expect(room.texts.map((t) => [t.text, t.attributes[CaptionAttributes.final]])).toEqual([
      ['bonjour', 'false'],
      ['bonjour', 'true'],
    ]);
    // The segment is over: a later interim of the same id and text (a new session reusing ids) is sent.
    writer.send(caption('u1', 'bonjour'));
    expect(room.texts).toHaveLength(3);
  });
});
