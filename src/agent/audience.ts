/**
 * Who chose each target language, kept one participant at a time: a join, a change of attribute
 * or a departure costs the same in a room of 4,000 as in a room of 4 (as `ListenerLanguages`).
 * It answers the two questions of delivering a language only to its listeners: whom to send a
 * language's captions to, and which interpretation tracks a listener should be subscribed to.
 *
 * A listener is a participant that is not an agent and has the attribute `language`. Their choice
 * maps to target languages by the rule `onDemand` plans with (`targetsChosenBy`): `fr-FR` hears
 * `fr`, `zh-TW` `zh-Hant`; a language the profile does not have maps to none.
 */
import { targetsChosenBy, type Profile } from '../profiles/index.ts';
import { LISTENER_LANGUAGE_ATTRIBUTE, type ParticipantInfo } from './room-io.ts';

/**
 * Above this many listeners of one language, its captions go to everyone instead of a list. The
 * server forwards a data packet with its whole destination list to every recipient and checks
 * each participant of the room against the list (livekit-server v1.13.5 `pkg/rtc/room.go`,
 * `BroadcastDataPacketForRoom`: `slices.Contains(destIdentities, ...)`), for the header, every
 * chunk and the trailer of a text stream: both grow with the list. At 32 identities of ~36
 * characters a caption packet carries ~1.2 KB of names per recipient, a few times the caption.
 */
export const MAX_CAPTION_DESTINATIONS = 32;

/** Distinct `language` values remembered with their targets (a client may set anything). */
const MAX_CACHED_CHOICES = 256;

/** `everyone`: no destination list; `nobody`: send nothing; else exactly these identities. */
export type CaptionDestinations = 'everyone' | 'nobody' | readonly string[];

export class LanguageAudience {
  /** identity -> the target languages their choice names (possibly none). */
  private readonly chosen = new Map<string, readonly string[]>();
  /** target language -> identities of its listeners. */
  private readonly members = new Map<string, Set<string>>();
  /** target language -> its members as a list, built when first needed after a change. */
  private readonly lists = new Map<string, readonly string[]>();
  private readonly choices = new Map<string, readonly string[]>();

  constructor(
    private readonly profile: Profile,
    private readonly maxDestinations = MAX_CAPTION_DESTINATIONS,
  ) {}

  /** A participant joined or changed attributes. Returns whether their languages changed. */
  update(participant: ParticipantInfo): boolean {
    const choice = participant.isAgent ? undefined : participant.attributes[LISTENER_LANGUAGE_ATTRIBUTE]?.trim() || undefined;
    return this.set(participant.identity, choice === undefined ? undefined : this.targetsOf(choice));
  }

  /** A participant left. Returns whether they were a listener. */
  remove(identity: string): boolean {
    return this.set(identity, undefined);
  }

  /** The target languages a listener chose; undefined for a participant who is not a listener. */
  languagesOf(identity: string): readonly string[] | undefined {
    return this.chosen.get(identity);
  }

  /** Every listener (for a change that concerns them all: a new track). */
  listeners(): IterableIterator<string> {
    return this.chosen.keys();
  }

  /** Whom a caption in `language` goes to. */
  captionDestinations(language: string): CaptionDestinations {
    const members = this.members.get(language);
    if (!members || members.size === 0) return 'nobody';
    if (members.size > this.maxDestinations) return 'everyone';
    let list = this.lists.get(language);
    if (!list) this.lists.set(language, (list = [...members]));
    return list;
  }

  private set(identity: string, languages: readonly string[] | undefined): boolean {
    const before = this.chosen.get(identity);
    if (before === languages) return false;
    if (before && languages && before.length === languages.length && before.every((l, i) => l === languages[i])) return false;
    for (const language of before ?? []) {
      this.members.get(language)?.delete(identity);
      this.lists.delete(language);
    }
    if (languages === undefined) this.chosen.delete(identity);
    else {
      this.chosen.set(identity, languages);
      for (const language of languages) {
        let members = this.members.get(language);
        if (!members) this.members.set(language, (members = new Set()));
        members.add(identity);
        this.lists.delete(language);
      }
    }
    return true;
  }

  private targetsOf(choice: string): readonly string[] {
    let targets = this.choices.get(choice);
    if (!targets) {
      if (this.choices.size >= MAX_CACHED_CHOICES) this.choices.clear();
      this.choices.set(choice, (targets = targetsChosenBy(this.profile, choice)));
    }
    return targets;
  }
}
