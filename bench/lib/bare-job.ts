/**
 * The floor's job for `bench dispatch`: what any agents-js agent must do for a dispatched room,
 * and nothing of ours: join the room (audio subscriptions, as the interpreter joins) and stay
 * until the room ends.
 */
import { AutoSubscribe, defineAgent, type JobContext } from '@livekit/agents';

export default defineAgent({
  entry: async (ctx: JobContext) => {
    await ctx.connect(undefined, AutoSubscribe.AUDIO_ONLY);
  },
});
