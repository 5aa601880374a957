/** The cost of a room with the speech gate off and on, in `planRoom` and `interpreter plan`. */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { COST_ASSUMPTIONS, planRoom, streamedShare } from '../../src/profiles/index.ts';
import { agentProfile, neuralTarget } from '../agent/profiles.ts';

function cli(...args: string[]) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AZURE_SPEECH_')));
  return spawnSync(process.execPath, ['bin/interpreter.js', ...args], { encoding: 'utf8', timeout: 60_000, env });
}

describe('cost with the speech gate', () => {
  it('streams all of the hour with the gate off, the speech and its margins with it on', () => {
    expect(streamedShare(false, 0.1)).toBe(1);
    expect(streamedShare(true, 0.1)).toBeCloseTo(0.1 * COST_ASSUMPTIONS.gatedAudioPerSpeechSecond);
    expect(streamedShare(true, 0.95)).toBe(1);
  });

  it("20 speakers in an hour's all-hands: off, as if all 20 spoke all hour; on, as they speak", () => {
    const profile = agentProfile({ targets: [neuralTarget('fr')], limits: { maxSessionMinutes: 60, maxSpeakers: 20, emptyRoomTimeoutSeconds: 60 } });
    const speakers = Array.from({ length: 20 }, (_, i) => ({ identity: `p${i}` }));
    const plan = planRoom(profile, { speakers, speakingShare: 0.05 });
    expect(plan.recognizers).toHaveLength(20);
    expect(plan.costPerHour).toBeCloseTo(20 * 2.5);
    expect(plan.costPerHourGated).toBeCloseTo(20 * 2.5 * 0.05 * COST_ASSUMPTIONS.gatedAudioPerSpeechSecond);
    expect(plan.gateEnabled).toBe(false);
    // Without a share given, the profile's.
    const own = planRoom({ ...profile, speechGate: { enabled: true, preRollMs: 300, hangoverMs: 600, speakingShare: 0.1 } }, { speakers });
    expect(own).toMatchObject({ speakingShare: 0.1, gateEnabled: true });
  });

  it('interpreter plan shows both costs, takes --speaking-share as a share or a percentage, and refuses anything else', () => {
    const text = cli('plan', '--room', 'board-q3', '--speakers', '2', '--speaking-share', '10%');
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/Estimated cost: \$\d+\.\d\d per meeting hour with the speech gate off, \$\d+\.\d\d with it on \(each speaker talking 10% of the time\)/);
    const json = cli('plan', '--room', 'board-q3', '--speakers', '2', '--speaking-share', '0.2', '--json');
    const parsed = JSON.parse(json.stdout) as { plan: { costPerHour: number; costPerHourGated: number; speakingShare: number } };
    expect(parsed.plan.speakingShare).toBe(0.2);
    expect(parsed.plan.costPerHourGated).toBeCloseTo(parsed.plan.costPerHour * 0.2 * COST_ASSUMPTIONS.gatedAudioPerSpeechSecond);
    for (const bad of ['2', '-0.1', 'half', '150%']) {
      const refused = cli('plan', '--room', 'board-q3', `--speaking-share=${bad}`);
      expect(refused.status).toBe(2);
      expect(refused.stderr).toContain(`--speaking-share must be a share from 0 to 1 or a percentage (0.25, 25%), got "${bad}"`);
    }
  });
});
