/**
 * CaptionWriter's exact messages (who they go to by default and with destinations) and the bound
 * on the interims it remembers.
 */
import { describe, expect, it } from 'vitest';
import type { CaptionDestinations } from '../../src/agent/audience.ts';
import { CaptionWriter } from '../../src/agent/captions.ts';
import { TRANSCRIPTION_TOPIC, type TextMessage } from '../../src/agent/room-io.ts';
import { MemoryRoom } from './memory-room.ts';

/** A room that records exactly what `sendText` was given. */
class RecordingRoom extends MemoryRoom {
  readonly messages: { text: string; message: TextMessage }[] = [];

  override async sendText(text: string, message: TextMessage): Promise<void> {
    this.messages.push({ text, message });
  }
}

const fail = (error: unknown) => {
  throw error;
};
const caption = (itemId: string, text: string, isFinal = false, language = 'fr') => ({ speaker: 'alice', trackSid: 'TR_1', itemId, language, text, isFinal });

/** Must match MAX_OPEN_SEGMENTS in src/agent/captions.ts. */
const MAX_OPEN_SEGMENTS = 512;

describe('CaptionWriter destinations', () => {
  it('sends to everyone by default: no destination list at all', () => {
    const room = new RecordingRoom();
    new CaptionWriter(room, fail).send(caption('u1', 'bonjour', true));
    expect(room.messages).toEqual([
      {
        text: 'bonjour',
        message: {
          topic: TRANSCRIPTION_TOPIC,
          attributes: { 'lk.transcribed_track_id': 'TR_1', 'lk.segment_id': 'u1-fr', 'lk.transcription_final': 'true', language: 'fr' },
          senderIdentity: 'alice',
        },
      },
    ]);
    expect(Object.keys(room.messages[0]!.message)).not.toContain('destinationIdentities');
  });

  it("asks the destinations per caption language: a list goes as destinationIdentities, 'nobody' sends nothing", () => {
    const room = new RecordingRoom();
    const asked: string[] = [];
    const destinations = (language: string): CaptionDestinations => {
      asked.push(language);
      return language === 'fr' ? ['carol', 'claire'] : language === 'de' ? 'nobody' : 'everyone';
    };
    const writer = new CaptionWriter(room, fail, destinations);
    writer.send(caption('u1', 'bonjour', false, 'fr'));
    writer.send(caption('u1', 'hallo', false, 'de'));
    writer.send(caption('u1', 'hello', true, 'en'));
    expect(asked).toEqual(['fr', 'de', 'en']);
    expect(room.messages.map(({ text, message }) => [text, message.destinationIdentities])).toEqual([
      ['bonjour', ['carol', 'claire']],
      ['hello', undefined],
    ]);
  });
});

describe('CaptionWriter open segments', () => {
  it(`remembers exactly ${MAX_OPEN_SEGMENTS} open segments: the oldest is kept until one more opens`, () => {
    const room = new RecordingRoom();
    const writer = new CaptionWriter(room, fail);
    for (let i = 0; i < MAX_OPEN_SEGMENTS; i++) writer.send(caption(`u${i}`, 'same'));
    expect(room.messages).toHaveLength(MAX_OPEN_SEGMENTS);
    // All of them still remembered: the oldest one's repeat is skipped.
    writer.send(caption('u0', 'same'));
    expect(room.messages).toHaveLength(MAX_OPEN_SEGMENTS);

    // One more segment: the oldest (u0) is forgotten, so its repeat is sent again; u1 is still known.
    writer.send(caption(`u${MAX_OPEN_SEGMENTS}`, 'same'));
    writer.send(caption('u1', 'same'));
    expect(room.messages).toHaveLength(MAX_OPEN_SEGMENTS + 1);
    writer.send(caption('u0', 'same'));
    expect(room.messages).toHaveLength(MAX_OPEN_SEGMENTS + 2);
    expect(room.messages.at(-1)!.message.attributes['lk.segment_id']).toBe('u0-fr');
  });

  it('counts a segment whose interim changed as the newest: it outlives older ones', () => {
    const room = new RecordingRoom();
    const writer = new CaptionWriter(room, fail);
    for (let i = 0; i < MAX_OPEN_SEGMENTS; i++) writer.send(caption(`u${i}`, 'same'));
    writer.send(caption('u0', 'changed'));
    writer.send(caption(`u${MAX_OPEN_SEGMENTS}`, 'same'));
    const sent = room.messages.length;
    // u1 was the oldest and is forgotten; u0 is remembered with its new text.
    writer.send(caption('u0', 'changed'));
    expect(room.messages).toHaveLength(sent);
    writer.send(caption('u1', 'same'));
    expect(room.messages).toHaveLength(sent + 1);
  });
});
