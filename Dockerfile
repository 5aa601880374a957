# syntax=docker/dockerfile:1
# The interpreter agent image: one container per LiveKit room, launched by the webhook handler.
# Built by `cdk deploy` (ecs.ContainerImage.fromAsset) with PROFILE_BUNDLE pointing at the
# profiles the synth validated. By hand:
#   npx interpreter validate && docker build --build-arg PROFILE_BUNDLE=<bundle.json> .

# --- build: bundle the CLI and keep only the native packages it loads -------------------------
# scripts/stage-image.mjs writes the whole runtime layer to /image (test/package/image.test.ts runs
# the same script and measures it): the CLI bundled with esbuild, the worker's job file and the
# agents framework's job-process entries beside it, and node_modules with rtc-node (its FFI
# library), sharp and @livekit/av only.
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json interpreter.schema.json ./
COPY src ./src
COPY bin ./bin
COPY scripts/stage-image.mjs ./scripts/
RUN node scripts/stage-image.mjs /image

# --- runtime: the staged layer and the validated profiles --------------------------------------
FROM node:20-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /image ./
ARG PROFILE_BUNDLE=.interpreter/profiles.json
COPY ${PROFILE_BUNDLE} ./profiles.json
ENV INTERPRETER_PROFILES=/app/profiles.json
# The agent beats into this file from its event loop every 5 s; `interpreter health` fails when the
# beat is older than 30 s, so a wedged agent (alive, its loop blocked) turns unhealthy.
ENV INTERPRETER_HEARTBEAT_FILE=/tmp/interpreter-heartbeat
HEALTHCHECK --interval=15s --timeout=10s --start-period=60s --retries=3 \
  CMD ["node", "/app/bin/interpreter.js", "health", "--max-age-seconds", "30"]
# The image's `node` user (uid 1000); the files stay root-owned and read-only to it.
USER node
# SIGTERM reaches node directly (exec form), so the agent drains before ECS's stopTimeout.
ENTRYPOINT ["node", "bin/interpreter.js", "agent"]
