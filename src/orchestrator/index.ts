export { createWebhookHandler, type WebhookHandler, type WebhookRequest, type WebhookResponse, type WebhookOutcome } from './webhook.ts';
export { LaunchError, type Launcher, type LaunchResult, type RunningAgent, type RoomRef } from './launcher.ts';
export { DryRunLauncher } from './dry-run-launcher.ts';
export { LocalProcessLauncher, type AgentExit } from './local-launcher.ts';
export { EcsLauncher, type EcsSettings } from './ecs-launcher.ts';
export { reconcile, scheduleReconcile, type ListedRoom, type ReconcileReport } from './reconcile.ts';
export { createWebhookServer, listen, MAX_WEBHOOK_BYTES } from './http-server.ts';
export { signWebhookBody, roomEventBody, roomSidFor, WEBHOOK_CONTENT_TYPE } from './signing.ts';
export { liveKitCredentials, ecsSettings, launcherKind, ConfigError, DEV_LIVEKIT } from './config.ts';
