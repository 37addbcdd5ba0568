import type { ProfileSet } from '../../profiles/profile.js';
import { UsageError } from '../errors.js';
import type { DatabasePlan } from './database.js';
import type { HttpCheck } from './health.js';
import type { PlanEngine } from '../events.js';

// A Plan is units x hops: which units (today: containers), in which order,
// through which versions, with which health gate, computed without touching
// anything. The executor knows only these shapes; what a unit *is* (a container
// and its create options, later a Compose service...) belongs to its driver.

export interface PlanOptions {
	healthUrl?: string;
	healthTimeoutS: number;
	/** --health-timeout was given (a Swarm update's Monitor is it then, else the image healthcheck's window). */
	healthTimeoutGiven?: boolean;
	stableS: number;
	stopTimeoutS?: number;
	keepOld: boolean;
	/** Compose: the whole project is stopped before the service is recreated, and started again with it. */
	composeDown?: boolean;
	/** Run the profile's one-off migration in the new image before the new container starts. */
	migrateFirst?: boolean;
	/** The loaded profiles (--profile, the user's directory, the built-ins); default: the built-ins. */
	profiles?: ProfileSet;
	/** --app: containers that use a PostgreSQL server moving to a new major, besides those found from their env. */
	apps?: string[];
}

/** How a unit's health is judged; plain data, journaled for recovery. */
export interface HealthOptions {
	/** 'auto': follow the image's Docker healthcheck when it has one. */
	healthcheck: 'auto' | false;
	/** --health-url: where the HTTP check asks (the profile's check, if any, still says what a healthy answer is). */
	url?: string;
	/** The profile's HTTP check (core/plan/health.ts). */
	http?: HttpCheck;
	stableMs: number;
	timeoutMs: number;
}

export interface Unit {
	/** Which driver runs it. */
	kind: string;
	/** Journal key: one entry per unit and hop, `<label>@<target tag>` (core/cluster-names.ts). */
	key: string;
	/** The container's (or service's) own name: what the engine is asked by. */
	name: string;
	/** The unit's identity in the run's events and summaries: `name`, or `<name> on <engine>` when the name repeats on another engine. */
	label?: string;
	/** The engine it runs on, by name (docker/engine-resolve.ts: the context's name, else the endpoint). */
	engine: string;
	from: string;
	to: string;
	targetRef: string;
	health: HealthOptions;
}

export interface PathSummary {
	repository: string;
	current: string;
	/** Set when the running tag names no version (a floating `latest`): how `current` was found. */
	currentFrom?: { source: 'label' | 'digest'; runningTag: string; label?: string };
	hops: Array<{ tag: string; kind: string }>;
	majorGate: boolean;
	newerMajor?: { tag: string; version: string };
	releaseNotes: Array<{ tag: string; url: string }>;
	schemaVersions: Record<string, string>;
	warnings: string[];
	/** A PostgreSQL server moving to a newer major (one hop, the postgres-server unit kind). */
	postgresMajor?: { from: number; to: number };
}

export interface Plan<U extends Unit = Unit> {
	/** The first hop's units; later hops are planned from what the previous hop left. */
	units: U[];
	path: PathSummary;
	/** Target tags in order; one full, health-gated swap of every unit per hop. */
	hops: string[];
	keepOld: boolean;
	options: PlanOptions;
	/** name: the docker context's name (or the endpoint again), for the plan's engine line. */
	engine: PlanEngine;
	/** A cluster over several engines: all of them, in the order given (`engine` is the first). */
	engines?: PlanEngine[];
	/** Settled in preflight; undefined with --skip-backup. */
	database?: DatabasePlan;
	/** --dry-run only: no database was found; a run would refuse with this. */
	databaseMissing?: string;
	/** Why there is no database plan, when it was skipped otherwise than by --skip-backup. */
	backupSkippedBy?: string;
}

const TAG = /^[\w][\w.-]{0,127}$/;

export function validateTag(tag: string): void {
	if (!TAG.test(tag)) {
		throw new UsageError(`malformed tag "${tag}": a tag is letters, digits, '_', '.', '-' (at most 128, not starting with '.' or '-')`);
	}
}

export function finalTag(plan: Plan): string {
	return plan.hops[plan.hops.length - 1]!;
}
