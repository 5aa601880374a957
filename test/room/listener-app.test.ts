/**
 * The listener app in a real browser (Debian's Chromium, driven by playwright-core) against the
 * real LiveKit server, the real agent process and the Speech emulator: `interpreter web` serves
 * the page and its token endpoint; one page joins with the mouse at desktop width, another with
 * the keyboard alone at phone width; both pick French. A German speaker (an rtc-node participant
 * playing a recording) then gives audible French on the page (a Web Audio level measured in
 * the page) and French captions attributed to the speaker. The pages subscribe to nothing but
 * interpretation-fr and the speakers' microphones, even while another listener makes the
 * interpreter publish English. Screenshots of both go to docs/ (with SCREENSHOTS=docs).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TrackSource } from 'livekit-server-sdk';
import type { Page } from 'playwright-core';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { startEmulator } from '../../src/emulator/index.ts';
import { joinAsParticipant } from '../../src/local/participant.ts';
import { publishRecording } from '../../src/local/rtc-audio.ts';
import { fixture } from '../agent/room-helpers.ts';
import { startAgent } from './agent-process.ts';
import { launchChromium } from './browser.ts';
import { eventually, startTestLiveKit } from './livekit.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = fileURLToPath(new URL('../../bin/interpreter.js', import.meta.url));
const ROOM = 'e2e-listener-app';
const WAIT = { timeout: 45_000 };
// The pictures in docs/ come from this test: `SCREENSHOTS=docs` writes them there; otherwise a
// temporary folder, so an ordinary run leaves the work tree as it was.
const screenshots = process.env.SCREENSHOTS === 'docs' ? join(root, 'docs') : mkdtempSync(join(tmpdir(), 'listener-app-'));

const emulator = await startEmulator({ detectLanguage: 'de' });
afterAll(() => emulator.close());
const livekit = await startTestLiveKit();

/** `interpreter web` for this server on a free port; resolves with the page's address once it listens. */
async function startWeb(): Promise<string> {
  const child = spawn(process.execPath, [bin, 'web', '--port', '0', '--languages', 'de,en,fr'], {
    env: { ...process.env, LIVEKIT_URL: livekit.url, LIVEKIT_API_KEY: livekit.apiKey, LIVEKIT_API_SECRET: livekit.apiSecret },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  afterAll(() => {
    if (child.exitCode === null) child.kill('SIGTERM');
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  await eventually(() => /listener app on http:\/\/\S+\//.test(output) || child.exitCode !== null, 'interpreter web listening', 60_000);
  const url = /listener app on (http:\/\/\S+\/)/.exec(output)?.[1];
  if (!url || !output.includes('token endpoint POST /api/token: on')) throw new Error(`interpreter web did not start with its token endpoint (exit ${child.exitCode}):\n${output}`);
  return url;
}

// The bundle as `npm run build` makes it, so the test runs what ships.
const built = spawnSync(process.execPath, ['scripts/build-web.mjs'], { cwd: root, encoding: 'utf8' });
if (built.status !== 0) throw new Error(`the listener app did not build:\n${built.stdout}\n${built.stderr}`);
const appUrl = await startWeb();
const browser = await launchChromium();

/** A data attribute of the page, polled until `check` passes (Playwright re-reads the DOM each time). */
const attribute = (page: Page, selector: string, name: string) => () => page.locator(selector).getAttribute(name).then((value) => value ?? '');
const focused = (page: Page) => page.locator(':focus').getAttribute('id');
const POLL = { timeout: 45_000, interval: 100 };

describe('the listener app in Chromium', () => {
  it('hears only the French interpretation, with the floor underneath, and shows French captions by speaker, at desktop and phone width', async () => {
    const agent = startAgent(livekit, emulator, ROOM);
    await livekit.rooms.createRoom({ name: ROOM });

    // Desktop: fill the form and click.
    const desktop = await (await browser.newContext({ viewport: { width: 1100, height: 900 } })).newPage();
    const pageErrors: string[] = [];
    desktop.on('pageerror', (error) => pageErrors.push(error.message));
    await desktop.goto(`${appUrl}?room=${ROOM}`);
    await desktop.locator('body[data-ready="true"]').waitFor(WAIT);
    await desktop.fill('#name', 'Ana');
    await desktop.selectOption('#language', 'fr');
    await desktop.click('#join-button');
    await desktop.locator('#status[data-state="connected"]').waitFor(WAIT);

    // Phone: the keyboard alone (the room comes from the link; focus starts on the name).
    const phone = await (await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true })).newPage();
    phone.on('pageerror', (error) => pageErrors.push(error.message));
    await phone.goto(`${appUrl}?room=${ROOM}`);
    await phone.locator('body[data-ready="true"]').waitFor(WAIT);
    expect(await focused(phone)).toBe('name');
    await phone.keyboard.type('Bo');
    await phone.keyboard.press('Tab');
    expect(await focused(phone)).toBe('language');
    await phone.keyboard.type('French');
    expect(await phone.inputValue('#language')).toBe('fr');
    await phone.keyboard.press('Tab');
    expect(await focused(phone)).toBe('join-button');
    await phone.keyboard.press('Enter');
    await phone.locator('#status[data-state="connected"]').waitFor(WAIT);

    // Another listener wants English: the interpreter will publish it too, and the pages must not take it.
    const english = await livekit.join('listener-en', ROOM, { attributes: { language: 'en' }, autoSubscribe: false });

    const speaker = await joinAsParticipant(livekit, 'klaus', ROOM, { name: 'Klaus', autoSubscribe: false });
    onTestFinished(() => speaker.disconnect());
    const { samples, sampleRate } = fixture('speech-de.wav');
    // Six times the recording (~19 s): he is still speaking while the pages are looked at.
    const repeated = new Int16Array(samples.length * 6);
    for (let i = 0; i < 6; i++) repeated.set(samples, i * samples.length);
    const published = await publishRecording(speaker.localParticipant!, repeated, sampleRate, { leadingSilenceMs: 500 });
    // Who is speaking: LiveKit's active-speaker updates mark him while his microphone carries speech.
    await Promise.all([desktop, phone].map((page) => page.locator('#speakers li[data-identity="klaus"][data-speaking="true"]').waitFor(WAIT)));

    // The interpreter publishes a language once someone speaks and someone listens in it (onDemand).
    for (const page of [desktop, phone]) {
      await expect.poll(attribute(page, '#hearing', 'data-tracks'), POLL).toContain('interpreter/interpretation-fr');
      await expect.poll(attribute(page, '#hearing', 'data-published'), POLL).toMatch(/(^| )en( |$)/);
    }
    for (const page of [desktop, phone]) {
      // The floor: his own microphone, subscribed (quietly) beside the interpretation.
      await expect.poll(attribute(page, '#hearing', 'data-tracks'), POLL).toContain('klaus/microphone');
      // Audible French: the level Web Audio measures on the received interpretation.
      await expect.poll(async () => Number(await attribute(page, '#level', 'data-rms')()), { ...POLL, interval: 50 }).toBeGreaterThan(0.01);
      const caption = page.locator('#captions li[data-final="true"][data-speaker="klaus"]').first();
      await caption.waitFor(WAIT);
      expect(await caption.locator('.who').textContent()).toBe('Klaus:');
      // The emulator's French placeholder: "[fr] utterance N (x.y s)".
      expect(await caption.textContent()).toMatch(/\[fr\] utterance \d+/);
      expect(await page.locator('#captions li').allTextContents()).not.toContainEqual(expect.stringMatching(/\[(en|de)\]/));
      const tracks = await attribute(page, '#hearing', 'data-tracks')();
      expect(tracks.split(' ').sort()).toEqual(['interpreter/interpretation-fr', 'klaus/microphone']);
    }

    // Phone width: nothing wider than the screen.
    const { scrollWidth, clientWidth } = await phone.locator('html').evaluate((html) => ({ scrollWidth: html.scrollWidth, clientWidth: html.clientWidth }));
    expect(scrollWidth).toBeLessThanOrEqual(clientWidth);
    // While he still speaks, so the pictures show the level and captions as a listener sees them.
    await desktop.screenshot({ path: join(screenshots, 'listener-app.png') });
    await phone.screenshot({ path: join(screenshots, 'listener-app-phone.png'), fullPage: true });
    await published.done;

    // Speak: the page publishes its (fake) microphone for the interpreter.
    await desktop.click('#microphone');
    await desktop.locator('#microphone[aria-pressed="true"]').waitFor(WAIT);
    await eventually(async () => {
      const participants = await livekit.rooms.listParticipants(ROOM);
      return participants.some((p) => p.name === 'Ana' && p.tracks.some((t) => t.source === TrackSource.MICROPHONE));
    }, "Ana's microphone published", 30_000);

    expect(pageErrors).toEqual([]);
    await published.stop();
    await english.disconnect();
    await livekit.rooms.deleteRoom(ROOM);
    expect(await agent.exited, agent.output()).toBe(0);
  });
});
