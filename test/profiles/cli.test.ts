import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  // What this machine's Azure settings say must not change what the tests see.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AZURE_SPEECH_')));
  const result = spawnSync(process.execPath, ['bin/interpreter.js', ...args], { encoding: 'utf8', timeout: 60_000, env });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function noStackTrace(output: string): void {
  expect(output).not.toMatch(/\n\s+at .+:\d+:\d+/);
}

describe('interpreter validate', () => {
  it('passes on configs/ (the default) with one line per profile', () => {
    const { status, stdout, stderr } = cli('validate');
    expect(stderr).toBe('');
    expect(status).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^all-hands {2}rooms all-hands-\* town-hall {2}priority 0 .* on demand {2}"Company-wide all-hands, eight languages on demand"$/);
    expect(lines[1]).toMatch(/^board-meeting {2}rooms board-\* .*fr\(personal\) de\(personal\) ja\(captions\) {2}"Board meetings/);
    expect(lines[3]).toBe('3 profiles valid in configs');
  });

  it('fails on the broken fixtures with every error positioned and no stack trace', () => {
    const { status, stderr } = cli('validate', 'test/fixtures/profiles/broken');
    expect(status).toBe(1);
    noStackTrace(stderr);
    expect(stderr).toContain('test/fixtures/profiles/broken/unknown-key.yaml:3:3  unknown field `roms` in match  (did you mean `rooms`?)');
    expect(stderr).toContain('test/fixtures/profiles/broken/unknown-language.yaml:6:19  languages.targets[1].language: "dee" is not an Azure speech translation language  (did you mean `de`?)');
    expect(stderr).toMatch(/broken\/bad-regex\.yaml:3:26 {2}match\.rooms\[1\]: regular expression/);
    expect(stderr).toMatch(/broken\/binary\.yaml {2}not a text file/);
    expect(stderr).toMatch(/\n22 errors in test\/fixtures\/profiles\/broken\n$/);
  });

  it('prints problems as JSON for machines', () => {
    const { status, stdout } = cli('validate', '--json', 'test/fixtures/profiles/broken/voice-mismatch.yaml', 'missing-dir');
    expect(status).toBe(1);
    const parsed = JSON.parse(stdout) as { ok: boolean; problems: { file: string; line: number; column: number; path: string }[] };
    expect(parsed.ok).toBe(false);
    expect(parsed.problems).toMatchObject([
      { file: 'missing-dir', line: 0, message: 'no such file or folder' },
      { file: 'test/fixtures/profiles/broken/voice-mismatch.yaml', line: 6, column: 14, path: '/languages/targets/0/voice' },
    ]);
    const ok = JSON.parse(cli('validate', '--json').stdout) as { ok: boolean; profiles: { name: string }[] };
    expect(ok.ok).toBe(true);
    expect(ok.profiles.map((p) => p.name)).toEqual(['all-hands', 'board-meeting', 'interview']);
  });

  it('warns, positioned, where the configured region or tier cannot give personal voice', () => {
    const north = cli('validate', '--region', 'northeurope');
    expect(north.status).toBe(0);
    expect(north.stdout).toContain('configs/board-meeting.yaml:11:30  warning: languages.targets[0]: voice: personal will not be used: Live Interpreter (personal voice) runs only in eastus, japaneast, southeastasia, westeurope, westus2, not northeurope');
    expect(north.stdout).toContain('(consenting speakers hear fr-FR-HenriNeural instead)');
    expect(cli('validate', '--tier', 'F0').stdout).toMatch(/board-meeting\.yaml:12:30  warning: languages\.targets\[1\]: voice: personal will not be used: personal voice is not available on a free \(F0\)/);
    expect(cli('validate', '--region', 'japaneast').stdout).toMatch(/warning: languages\.targets\[0\]: voice: personal: japaneast runs Live Interpreter but Azure lists no personal voice/);
    expect(cli('validate', '--region', 'westeurope').stdout).not.toMatch(/warning/);
  });

  it('rejects an unknown option with usage, exit 2', () => {
    const { status, stderr } = cli('validate', '--strictly');
    expect(status).toBe(2);
    expect(stderr).toMatch(/Unknown option '--strictly'/);
    expect(stderr).toContain('Usage: interpreter validate');
  });
});

describe('interpreter plan', () => {
  it('shows the board profile for board-q3: why, sessions per speaker, cost', () => {
    const { status, stdout } = cli('plan', '--room', 'board-q3', '--speakers', '3');
    expect(status).toBe(0);
    expect(stdout).toContain('Room "board-q3" -> profile "board-meeting" (configs/board-meeting.yaml:3)');
    expect(stdout).toContain('why: profile "board-meeting" (priority 10): room name "board-q3" matches board-*');
    expect(stdout).toContain('ceo (rule "ceo", speaks en-US): fr spoken by personal-voice; de spoken by personal-voice; captions ja (one text-only session)  = 3 sessions');
    expect(stdout).toContain('participant-1 (no speaker rule, speaks en-US or de-DE or fr-FR or ja-JP): fr spoken by fr-FR-HenriNeural; de spoken by de-DE-KatjaNeural');
    expect(stdout).toContain('Total: 8 concurrent Azure speech translation sessions (quota 100)');
    expect(stdout).toContain('Estimated cost: $20.00 per meeting hour');
  });

  it('leaves on-demand languages out until someone listens, and warns past quota and speaker limit', () => {
    const none = cli('plan', '--room', 'all-hands-q1', '--speakers', '2');
    expect(none.stdout).toContain('Total: 0 concurrent');
    expect(none.stdout).toContain('note: onDemand profile and no --listeners');
    const { stdout } = cli('plan', '--room', 'all-hands-q1', '--speakers', '6', '--listeners', 'fr,de', '--quota', '5');
    expect(stdout).toContain('participant-1..participant-4 (4 speakers, each) (no speaker rule, detects any language): fr spoken by fr-FR-DeniseNeural; de spoken by de-DE-ConradNeural  = 2 sessions');
    expect(stdout).toContain('warning: 6 speakers exceed limits.maxSpeakers (4)');
    expect(stdout).toContain("warning: 8 concurrent Azure sessions exceed the resource's quota of 5");
  });

  it('matches on metadata and prints JSON', () => {
    const { status, stdout } = cli('plan', '--room', 'interview-7', '--metadata', '{"kind":"interview"}', '--json');
    expect(status).toBe(0);
    const parsed = JSON.parse(stdout) as { match: { profile: string }; plan: { recognizers: unknown[]; costPerHour: number } };
    expect(parsed.match.profile).toBe('interview');
    // recruiter-1 -> es, candidate-1 -> en, participant-1 -> both
    expect(parsed.plan.recognizers).toHaveLength(4);
    expect(parsed.plan.costPerHour).toBe(10);
  });

  it('says which Azure resource it assumed, and plans for the one it is told of', () => {
    const speech = cli('plan', '--room', 'board-q3', '--speakers', '1');
    expect(speech.stdout).toContain('Azure resource assumed: a Speech resource (at most 2 target languages per session; an AI Foundry resource: --resource-kind foundry or AZURE_SPEECH_RESOURCE_KIND=foundry), S0, region unknown');
    const f0 = cli('plan', '--room', 'board-q3', '--speakers', '1', '--tier', 'F0', '--region', 'westeurope');
    expect(f0.stdout).toContain('F0 (free: 1 session, neural voices only), region westeurope');
    expect(f0.stdout).toContain('fr spoken by fr-FR-HenriNeural; de spoken by de-DE-KatjaNeural');
    expect(f0.stdout).toContain('(quota 1)');
    expect(f0.stdout).toMatch(/warning: voice: personal cannot work here: personal voice is not available on a free \(F0\)/);
    const foundry = cli('plan', '--room', 'all-hands-1', '--speakers', '1', '--listeners', 'fr', '--resource-kind', 'foundry', '--json');
    expect((JSON.parse(foundry.stdout) as { resource: unknown }).resource).toEqual({ kind: 'foundry', tier: 'S0' });
    const bad = cli('plan', '--room', 'x', '--resource-kind', 'ai');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--resource-kind is "ai": use "speech"/);
  });

  it('says when no profile matches, and when metadata is not JSON', () => {
    const { status, stdout } = cli('plan', '--room', 'interview-7', '--metadata', 'kind=interview');
    expect(status).toBe(0);
    expect(stdout).toContain('No profile matches room "interview-7": no interpreter agent would start.');
    expect(stdout).toContain('note: the metadata is not a JSON object');
  });

  it('refuses bad usage and broken profiles without a stack trace', () => {
    const missing = cli('plan');
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/--room is required/);
    const badCount = cli('plan', '--room', 'x', '--speakers', 'many');
    expect(badCount.status).toBe(2);
    expect(badCount.stderr).toMatch(/--speakers must be a whole number >= 1, got "many"/);
    const broken = cli('plan', '--room', 'x', '--profiles', 'test/fixtures/profiles/broken/wrong-type.yaml');
    expect(broken.status).toBe(1);
    noStackTrace(broken.stderr);
    expect(broken.stderr).toMatch(/wrong-type\.yaml:7:16 {2}limits\.maxSpeakers/);
  });
});
