/**
 * The page: a join form (room, name, language), then the room with the language picker, two
 * volumes, the interpretation's level, who is speaking, captions and a Speak toggle. Everything
 * is a native control with a label, so it works from the keyboard and with a screen reader.
 *
 * Settings come from `config.json` beside the page (optional; `interpreter web` serves one) and
 * the query string, which wins: `?room=board-q3&language=fr&name=Ana&tokenUrl=/api/token`.
 */
import type { ConnectionState } from 'livekit-client';
import { ListenerRoom, type HeardTrack, type ListenerCallbacks, type Speaker } from './listener.ts';
import type { CaptionLine } from './captions.ts';
import { fetchToken, loadConfig, type AppConfig } from './config.ts';
import { DEFAULT_FLOOR_VOLUME } from './subscriptions.ts';

const $ = <T extends HTMLElement>(id: string): T => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the page has no #${id}`);
  return element as T;
};

const form = $<HTMLFormElement>('join');
const roomInput = $<HTMLInputElement>('room');
const nameInput = $<HTMLInputElement>('name');
const languageSelect = $<HTMLSelectElement>('language');
const joinButton = $<HTMLButtonElement>('join-button');
const joinError = $<HTMLParagraphElement>('join-error');
const session = $<HTMLElement>('session');
const status = $<HTMLParagraphElement>('status');
const interpretationVolume = $<HTMLInputElement>('interpretation-volume');
const floorVolume = $<HTMLInputElement>('floor-volume');
const level = $<HTMLMeterElement>('level');
const hearing = $<HTMLParagraphElement>('hearing');
const microphone = $<HTMLButtonElement>('microphone');
const startAudio = $<HTMLButtonElement>('start-audio');
const leave = $<HTMLButtonElement>('leave');
const speakersList = $<HTMLUListElement>('speakers');
const captionsList = $<HTMLOListElement>('captions');
const notices = $<HTMLDivElement>('notices');

const displayNames = typeof Intl.DisplayNames === 'function' ? new Intl.DisplayNames([navigator.language || 'en'], { type: 'language' }) : undefined;
function languageLabel(code: string): string {
  if (code === '') return 'Original audio (no interpretation)';
  try {
    const name = displayNames?.of(code);
    return name && name !== code ? `${name} (${code})` : code;
  } catch {
    return code;
  }
}

/** Keeps the choices sorted by label, the chosen one selected, and never drops the current one. */
function setLanguageOptions(codes: Iterable<string>): void {
  const current = languageSelect.value;
  const all = new Set([...codes, ...(current ? [current] : [])]);
  const sorted = [...all].filter((c) => c !== '').sort((a, b) => languageLabel(a).localeCompare(languageLabel(b)));
  const wanted = ['', ...sorted];
  const have = [...languageSelect.options].map((o) => o.value);
  if (wanted.join('\n') === have.join('\n')) return;
  languageSelect.replaceChildren(...wanted.map((code) => new Option(languageLabel(code), code, false, code === current)));
}

function identityFor(name: string): string {
  const slug = name.normalize('NFKD').replace(/[^\w-]+/g, '-').replace(/^-+|-+$/g, '').toLowerCase().slice(0, 40) || 'listener';
  const suffix = Array.from(crypto.getRandomValues(new Uint8Array(3)), (b) => b.toString(16).padStart(2, '0')).join('');
  return `${slug}-${suffix}`;
}

const stateText: Record<string, string> = {
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  signalReconnecting: 'Reconnecting…',
  disconnected: 'Not connected',
};

let listener: ListenerRoom | undefined;
let config: AppConfig;
const knownLanguages = new Set<string>();

const callbacks: ListenerCallbacks = {
  state(state: ConnectionState) {
    status.textContent = stateText[state] ?? state;
    status.dataset.state = state;
  },
  captions(lines: readonly CaptionLine[]) {
    const stick = captionsList.scrollTop + captionsList.clientHeight >= captionsList.scrollHeight - 8;
    captionsList.replaceChildren(
      ...lines.map((line) => {
        const item = document.createElement('li');
        item.dataset.final = String(line.final);
        item.dataset.speaker = line.speaker;
        const who = document.createElement('span');
        who.className = 'who';
        who.textContent = `${listener?.nameOf(line.speaker) ?? line.speaker}:`;
        item.append(who, document.createTextNode(line.text));
        return item;
      }),
    );
    // Follow new captions unless the reader has scrolled back to read.
    if (stick) captionsList.scrollTop = captionsList.scrollHeight;
  },
  speakers(speakers: readonly Speaker[]) {
    speakersList.replaceChildren(
      ...speakers.map((speaker) => {
        const item = document.createElement('li');
        item.dataset.identity = speaker.identity;
        item.dataset.speaking = String(speaker.speaking);
        item.textContent = `${speaker.name}${speaker.isLocal ? ' (you)' : ''}${speaker.speaking ? ', speaking' : ''}`;
        return item;
      }),
    );
  },
  tracks(heard: readonly HeardTrack[]) {
    hearing.dataset.tracks = heard.map((t) => `${t.participant}/${t.trackName}`).join(' ');
    const interpretation = heard.find((t) => t.role === 'interpretation');
    const floor = heard.filter((t) => t.role === 'floor').length;
    const language = listener?.language ?? languageSelect.value;
    hearing.textContent =
      language === ''
        ? `Hearing the original audio of ${floor} speaker${floor === 1 ? '' : 's'}.`
        : `${interpretation ? `Hearing the interpretation into ${languageLabel(language)}` : `Waiting for the interpreter to speak ${languageLabel(language)}…`}; floor: ${floor} speaker${floor === 1 ? '' : 's'}.`;
  },
  published(languages: readonly string[]) {
    hearing.dataset.published = languages.join(' ');
    for (const code of languages) knownLanguages.add(code);
    setLanguageOptions(knownLanguages);
  },
  level(rms: number) {
    level.value = Math.min(1, rms * 4);
    level.dataset.rms = rms.toFixed(4);
  },
  notice(text: string) {
    const line = document.createElement('p');
    line.textContent = text;
    notices.append(line);
    while (notices.childElementCount > 5) notices.firstElementChild?.remove();
  },
  audioBlocked(blocked: boolean) {
    startAudio.hidden = !blocked;
  },
};

form.addEventListener('submit', (event) => {
  event.preventDefault();
  if (listener) return;
  void join();
});

async function join(): Promise<void> {
  const room = roomInput.value.trim();
  const name = nameInput.value.trim();
  if (!room || !name) {
    joinError.textContent = !room ? 'Enter the room’s name.' : 'Enter your name, so others see who speaks.';
    (!room ? roomInput : nameInput).focus();
    return;
  }
  joinError.textContent = '';
  joinButton.disabled = true;
  status.textContent = 'Getting a token…';
  const language = languageSelect.value;
  const joining = new ListenerRoom(callbacks);
  listener = joining;
  try {
    const { token, url } = await fetchToken(config, { room, identity: identityFor(name), name, language });
    await joining.join(url, token, language);
  } catch (error) {
    listener = undefined;
    joinButton.disabled = false;
    status.textContent = 'Not connected';
    joinError.textContent = error instanceof Error ? error.message : String(error);
    return;
  }
  $<HTMLElement>('who').hidden = true;
  joinButton.hidden = true;
  session.hidden = false;
  floorVolume.disabled = language === '';
  $<HTMLHeadingElement>('room-title').textContent = `Room ${room}`;
  document.title = `${room} · Live interpretation`;
}

languageSelect.addEventListener('change', () => {
  if (!listener || session.hidden) return;
  floorVolume.disabled = languageSelect.value === '';
  void listener.setLanguage(languageSelect.value).catch((error: unknown) => callbacks.notice(`Could not change the language: ${String(error)}`));
});

interpretationVolume.addEventListener('input', () => listener?.setVolumes({ interpretation: Number(interpretationVolume.value) / 100 }));
floorVolume.addEventListener('input', () => listener?.setVolumes({ floor: Number(floorVolume.value) / 100 }));

microphone.addEventListener('click', () => {
  if (!listener) return;
  const on = !listener.microphoneOn;
  microphone.disabled = true;
  void listener
    .setMicrophone(on)
    .then(() => {
      microphone.setAttribute('aria-pressed', String(on));
      microphone.textContent = on ? 'Stop speaking' : 'Speak';
    })
    .catch((error: unknown) => callbacks.notice(`The microphone could not be used: ${error instanceof Error ? error.message : String(error)}`))
    .finally(() => (microphone.disabled = false));
});

startAudio.addEventListener('click', () => void listener?.startAudio().then(() => (startAudio.hidden = true)));

leave.addEventListener('click', () => {
  const leaving = listener;
  listener = undefined;
  void leaving?.leave().finally(() => {
    session.hidden = true;
    $<HTMLElement>('who').hidden = false;
    joinButton.hidden = false;
    joinButton.disabled = false;
    microphone.setAttribute('aria-pressed', 'false');
    microphone.textContent = 'Speak';
    captionsList.replaceChildren();
    speakersList.replaceChildren();
    callbacks.level(0);
    roomInput.focus();
  });
});

async function start(): Promise<void> {
  config = await loadConfig(location);
  for (const code of config.languages) knownLanguages.add(code);
  setLanguageOptions(knownLanguages);
  if (config.room) roomInput.value = config.room;
  if (config.name) nameInput.value = config.name;
  if (config.language !== undefined) {
    knownLanguages.add(config.language);
    setLanguageOptions(knownLanguages);
    languageSelect.value = config.language;
  } else {
    // Start from the browser's own language when the room offers it; the listener can still change it.
    const own = [...knownLanguages].find((code) => code.toLowerCase() === (navigator.language || '').split('-')[0]?.toLowerCase());
    if (own) languageSelect.value = own;
  }
  floorVolume.value = String(Math.round(DEFAULT_FLOOR_VOLUME * 100));
  (roomInput.value ? nameInput : roomInput).focus();
  document.body.dataset.ready = 'true';
}

void start();
