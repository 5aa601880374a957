/**
 * Debian's Chromium driven by playwright-core for the listener app's tests: headless, autoplay
 * allowed, fake microphone and camera (no permission prompt), and none of Chromium's background
 * connections (this machine's network is closed; they would only be refused). `.ci/run`
 * installs the browser; CHROMIUM_PATH points elsewhere on a laptop.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll } from 'vitest';

export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  '--autoplay-policy=no-user-gesture-required',
];

/** Call at a test file's top level: the browser closes after the file. */
export async function launchChromium(): Promise<Browser> {
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(executablePath)) {
    throw new Error(`no Chromium at ${executablePath}: apt-get install chromium (CI's .ci/run does), or set CHROMIUM_PATH`);
  }
  // Playwright gives each launch a fresh, empty profile: no state of an earlier run leaks in.
  const browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_FLAGS });
  afterAll(() => browser.close().catch(() => undefined));
  return browser;
}
