# syntax=docker/dockerfile:1
# The interpreter agent image: one container per LiveKit room, launched by the webhook handler.
# Built by `cdk deploy` (ecs.ContainerImage.fromAsset) with PROFILE_BUNDLE pointing at the
# profiles the synth validated. By hand:
#   npx interpreter validate && docker build --build-arg PROFILE_BUNDLE=<bundle.json> .

# --- build: compile TypeScript to dist/ -------------------------------------------------------
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json interpreter.schema.json ./
COPY src ./src
RUN npm run build

# --- runtime: production dependencies, compiled code, validated profiles ----------------------
FROM node:20-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY bin ./bin
COPY --from=build /app/dist ./dist
ARG PROFILE_BUNDLE=.interpreter/profiles.json
COPY ${PROFILE_BUNDLE} ./profiles.json
ENV INTERPRETER_PROFILES=/app/profiles.json
# The image's `node` user (uid 1000); the files stay root-owned and read-only to it.
USER node
# SIGTERM reaches node directly (exec form), so the agent drains before ECS's stopTimeout.
ENTRYPOINT ["node", "bin/interpreter.js", "agent"]
