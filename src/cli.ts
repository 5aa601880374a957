/**
 * The `interpreter` command. Each subcommand lives in `src/cli/<name>.ts` and is loaded only when
 * used, so `interpreter validate` does not pay for the Speech SDK or the AWS clients.
 */
interface Command {
  summary: string;
  load: () => Promise<{ run(argv: string[]): Promise<number> }>;
}

const commands: Record<string, Command> = {
  validate: { summary: 'check room profiles (default: configs/)', load: () => import('./cli/validate.ts') },
  plan: { summary: 'show which profile a room gets, its Azure sessions and cost', load: () => import('./cli/plan.ts') },
  emulator: { summary: 'run the local Azure Speech translation emulator', load: () => import('./cli/emulator.ts') },
  translate: { summary: 'interpret a WAV recording into per-language audio and captions', load: () => import('./cli/translate.ts') },
  serve: { summary: 'run the webhook handler as an HTTP server that launches agents', load: () => import('./cli/serve.ts') },
  livekit: { summary: "run LiveKit's own server for development (found, or built once with go)", load: () => import('./cli/livekit.ts') },
  webhook: { summary: 'send a signed LiveKit webhook (for trying `serve`)', load: () => import('./cli/webhook.ts') },
  speak: { summary: 'play a recording into a room as a microphone, in real time', load: () => import('./cli/speak.ts') },
  listen: { summary: "hear one language's interpretation in a room and print its captions", load: () => import('./cli/listen.ts') },
  check: { summary: 'check the LiveKit and Azure settings before a meeting, with the fix for each failure', load: () => import('./cli/check.ts') },
  web: { summary: 'serve the listener app (pick a language, hear it, read captions) for a LiveKit server', load: () => import('./cli/web.ts') },
  agent: { summary: 'run the interpreter agent for one room', load: () => import('./cli/agent.ts') },
  worker: { summary: 'run a warm agent server that LiveKit dispatches rooms to', load: () => import('./cli/worker.ts') },
  bench: { summary: 'run the benchmarks and write bench/results/', load: () => import('./cli/bench.ts') },
};

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return ['Usage: interpreter <command> [options]', '', 'Commands:', ...lines, '', 'Run `interpreter <command> --help` for its options.'].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? 0 : 1;
  }
  const command = commands[name];
  if (!command) {
    console.error(`interpreter: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  const module = await command.load();
  return module.run(rest);
}

// `interpreter plan | head` closes the pipe early; that is the reader's choice, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // A finished command is finished: native and SDK handles (rtc-node's FFI, the agents framework's
    // log transport) may keep the event loop alive, so exit once pending output has flushed.
    setTimeout(() => process.exit(code), 200).unref();
  },
  (error: unknown) => {
    // Commands report their own errors; this is the last line of defence against a stack trace.
    console.error(`interpreter: ${error instanceof Error ? error.message : String(error)}`);
    if (process.env.INTERPRETER_DEBUG) console.error(error);
    process.exitCode = 1;
  },
);
