/**
 * Checks that depend on the Azure resource the agent will use, not on the profile alone: a profile
 * is valid everywhere, but personal voice works only on some resources (regions.md: Live
 * Interpreter in eastus, japaneast, southeastasia, westeurope, westus2, and japaneast lists no
 * personal voice; quotas: "Not available for F0"). Warnings, because the agent falls back to the
 * neural voice instead of failing.
 */
import { checkPersonalVoice, type SpeechResource } from '../common/azure-resource.ts';
import type { Finding } from './schema.ts';
import type { Profile } from './types.ts';

export function resourceFindings(profile: Profile, resource: SpeechResource): Finding[] {
  const check = checkPersonalVoice(resource);
  if (check.ok && !check.warning) return [];
  const findings: Finding[] = [];
  profile.languages.targets.forEach((target, index) => {
    if (target.voice.kind !== 'personal') return;
    const field = `languages.targets[${index}]`;
    if (check.ok) {
      findings.push({ pointer: `/languages/targets/${index}/voice`, severity: 'warning', message: `${field}: voice: personal: ${check.warning}` });
    } else {
      findings.push({
        pointer: `/languages/targets/${index}/voice`,
        severity: 'warning',
        message: `${field}: voice: personal will not be used: ${check.reason}`,
        hint: `consenting speakers hear ${target.voice.fallback} instead`,
      });
    }
  });
  return findings;
}
