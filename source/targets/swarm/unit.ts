import type { ContainerInspectInfo } from 'dockerode';
import type { HealthOptions, Unit } from '../../core/plan/plan.js';
import type { StepName } from '../../core/events.js';
import type { UnitRecord } from '../../core/journal/journal.js';
import type { Profile } from '../../profiles/profile.js';
import type { ServiceSpecLike } from './spec.js';

// A Swarm service as a unit: the engine's own rolling update does the swap
// (a task is never replaced by hand: the orchestrator would replace it back).
// Everything the update needs is found without touching anything.

export interface SwarmServiceUnit extends Unit {
	kind: 'swarm-service';
	serviceId: string;
	/** The service's name (also the unit's name). */
	service: string;
	/** The image the spec names now, as stored (the CLI stores `repo:tag@sha256:…`). */
	oldImage: string;
	/** The target pinned by digest, as the docker CLI pins it: `repo:tag@sha256:…` (the index digest for a multi-arch tag). */
	pinned: string;
	/** UpdateConfig.Monitor of the update, in nanoseconds (targets/swarm/spec.ts). */
	monitorNs: number;
	/** Replicas the service asks for (a global service: the nodes' count is the engine's business). */
	replicas: number | 'global';
	/** How long the wizard follows the update before it calls it stuck (and rolls back). */
	followMs: number;
	/** A running task container on this engine (database planning, the profile, redaction), or one made from the spec. */
	inspect: ContainerInspectInfo;
	profile: Profile;
	health: HealthOptions;
	/** The update's spec diff, for --dry-run. */
	changes: string[];
}

/** The journal record: enough for rollback and recover without the process that wrote it. */
export interface SwarmServiceRecord extends UnitRecord {
	serviceId: string;
	service: string;
	oldImage: string;
	pinned: string;
	monitorNs: number;
	followMs: number;
	/** The spec's version before our update: recover tells our update from a later one by it. */
	versionBefore?: number;
	/** Set once the update call was answered: the time just before it (the follower ignores older statuses). */
	updateStartedAt?: string;
}

/** No stop, no rename: the engine updates task by task and keeps the old tasks in its history. */
export function serviceSteps(): StepName[] {
	return ['pull', 'start', 'health', 'remove-old'];
}

/** The names a service occupies while its update runs: another run must not touch it or its tasks. */
export const serviceHold = (service: string) => `swarm-service:${service}`;
