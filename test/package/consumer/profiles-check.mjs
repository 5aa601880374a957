// A product user's program, run with plain `node` where only the packed `lk-interpreter` is
// installed: validates the profiles directory given, and reports the plugin's registration.
import { Plugin } from '@livekit/agents';
import { loadProfiles, matchRoom } from 'lk-interpreter/profiles';
import { LiveInterpreterModel } from 'lk-interpreter/azure';
import * as main from 'lk-interpreter';

const { profiles, problems } = await loadProfiles(process.argv[2]);
const match = matchRoom(profiles, { name: 'board-q3' });
console.log(
  JSON.stringify({
    profiles: profiles.map((p) => p.name),
    problems: problems.map((p) => `${p.file}:${p.line}:${p.column} ${p.message}`),
    matched: match?.profile.name ?? null,
    sameModel: main.LiveInterpreterModel === LiveInterpreterModel,
    plugins: Plugin.registeredPlugins.map((p) => `${p.package}@${p.version}`),
  }),
);
