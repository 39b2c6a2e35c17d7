// What the server's parts agree on: the HTTP layer mounts the webhook intake and ChatOps, and
// every part reaches repositories through Projects. Each Project is one repository with its own
// engine, so tasks started from the server are the same tasks the CLI and the editor see.
import type { Engine } from '../core/engine';
import type { Workspace } from '../runtime/workspace';

export interface Project {
  /** Name from rig.yaml `projects:` (or `project.name`), unique within one server. */
  name: string;
  repo: { owner: string; repo: string };
  workspace: Workspace;
  engine: Engine;
}

export interface HttpReply {
  status: number;
  headers?: Record<string, string>;
  /** Serialised as JSON unless it is a string. */
  body?: unknown;
}

export type RequestHeaders = Record<string, string | string[] | undefined>;

/** POST /webhook: verify, persist, acknowledge; the work happens later, off the request. */
export interface WebhookIntake {
  handle(rawBody: Buffer, headers: RequestHeaders): Promise<HttpReply>;
  /** Starts the worker that turns persisted deliveries into tasks (and picks up those left by a crash). */
  start(): Promise<void>;
  stop(): Promise<void>;
}
