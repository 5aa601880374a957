/**
 * `interpreter check`: tries the configured LiveKit and Azure settings the way serve and the agent
 * use them, before a meeting finds out, and prints one line per check with the fix for each
 * failure. Exit 1 when any check failed.
 */
import { parseArgs } from 'node:util';
import { liveKitAccessFromEnv } from '../local/participant.ts';
import { exitCode, formatLine, formatReport, type CheckResult } from './check/report.ts';

/** The longest check id, so lines printed as each check finishes line up. */
const ID_WIDTH = 'livekit.grants.roomservice'.length;

const HELP = `Usage: interpreter check [--webhook] [--serve-url http://127.0.0.1:8080] [--speech FILE.wav] [--json]

Checks, one line each, with the fix for every failure:
  livekit.url                 the server answers at LIVEKIT_URL
  livekit.key                 it accepts LIVEKIT_API_KEY and LIVEKIT_API_SECRET
  livekit.grants.roomservice  RoomService calls serve and the agent make are granted
  livekit.grants.agent        the agent's token may join rooms (validated, no room is opened)
  azure.region                the region runs Live Interpreter (japaneast: without personal voice)
  azure.tier / azure.sessions the tier (AZURE_SPEECH_TIER, S0 or F0) and the session budget
                              (AZURE_SPEECH_MAX_SESSIONS) against the tier's default: 100 on S0,
                              1 on F0 (usage itself is not readable from Azure's API)
  azure.key                   a short text-only session opens with AZURE_SPEECH_KEY
  azure.personal-voice        a personal-voice session opens (Limited Access approval; not on F0)
  webhook.room_started        with --webhook: a check-* room is created and serve must report
                              its room_started on /healthz

  --webhook            also test webhook delivery to a running \`interpreter serve\`
  --serve-url URL      where serve listens (default http://127.0.0.1:8080)
  --webhook-timeout S  how long to wait for the delivery (default 30)
  --speech FILE.wav    a recording for the personal-voice session, so the voice really speaks
                       (default: a one-second probe tone, which the real service ignores)
  --skip-azure         LiveKit only
  --json               the results as JSON

Environment: LIVEKIT_URL, LIVEKIT_API_KEY, LIVEKIT_API_SECRET (default: interpreter livekit's);
AZURE_SPEECH_KEY with AZURE_SPEECH_REGION and/or AZURE_SPEECH_ENDPOINT, AZURE_SPEECH_TIER,
AZURE_SPEECH_MAX_SESSIONS. The Azure checks cost a few seconds of Speech usage.`;

export async function run(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        webhook: { type: 'boolean', default: false },
        'serve-url': { type: 'string', default: 'http://127.0.0.1:8080' },
        'webhook-timeout': { type: 'string', default: '30' },
        speech: { type: 'string' },
        'skip-azure': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    console.error(`interpreter check: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const webhookSeconds = Number(values['webhook-timeout']);
  if (!(webhookSeconds > 0)) {
    console.error(`interpreter check: --webhook-timeout takes a number of seconds, not '${values['webhook-timeout']}'`);
    return 2;
  }
  // rtc-node's own logger prints at debug level unless NODE_ENV is production (read at import).
  process.env.NODE_ENV ??= 'production';
  const access = liveKitAccessFromEnv();
  const { checkLiveKit } = await import('./check/livekit.ts');
  const results: CheckResult[] = await checkLiveKit({ access });
  const print = (batch: readonly CheckResult[]) => {
    if (!values.json) for (const result of batch) console.log(formatLine(result, ID_WIDTH));
  };
  print(results);

  if (!values['skip-azure']) {
    const { initializeLogger } = await import('@livekit/agents');
    // The plugin's sessions log through the framework's logger, which must exist; the check reports for itself.
    initializeLogger({ pretty: false, level: process.env.LOG_LEVEL ?? 'fatal' });
    const { azureSettingsFromEnv, checkAzure } = await import('./check/azure.ts');
    const azure = await checkAzure({ settings: azureSettingsFromEnv(process.env), ...(values.speech ? { speechFile: values.speech } : {}) });
    results.push(...azure);
    print(azure);
  }

  if (values.webhook) {
    const keyAccepted = results.find((r) => r.id === 'livekit.key')?.status === 'pass';
    const { checkWebhook } = await import('./check/webhook.ts');
    const { skip } = await import('./check/report.ts');
    const webhook = keyAccepted ? await checkWebhook({ access, serveUrl: values['serve-url'], timeoutMs: webhookSeconds * 1000 }) : skip('webhook.room_started', 'needs a LiveKit server that accepts the key');
    results.push(webhook);
    print([webhook]);
  }

  if (values.json) console.log(JSON.stringify({ ok: exitCode(results) === 0, results }, null, 2));
  else console.log(formatReport(results).split('\n').slice(results.length).join('\n'));
  return exitCode(results);
}
