import type { EventListener, GateKind, Prompter, RunSummary } from './events.js';

// What the interactive wizard asks of the core. Types only: the Ink views
// depend on this contract, never on dockerode, pg or execa; the core implements
// it (core/wizard-session.ts) on the same plan and executor as --yes.

export interface EngineInfo {
	/** The engine's name (the context's, else the endpoint): what the plan, events and summary call it. */
	name?: string;
	endpoint: string;
	engineVersion: string;
	apiVersion: string;
	/** A cluster (several --host/--context): every engine, in the order given; the fields above are the first's. */
	engines?: EngineInfo[];
}

/**
 * How connect() says that an engine did not answer: the rejected Error
 * carries these fields, so the Engine screen names that engine (views read
 * the fields, never the core's error classes). Any other rejection is a
 * setting that cannot be used (an unknown context, a malformed endpoint).
 */
export interface EngineProblem {
	kind: 'engine-unreachable';
	/** The engine's name (the context's, else the endpoint). */
	engine: string;
	message: string;
}

/**
 * A container the operator chose: its name, and the engine it is on. Without
 * `engine` it is the one engine that has that name (with one engine: that one).
 * One name may be chosen on several engines (each with its `engine`).
 */
export interface ChosenContainer {
	name: string;
	engine?: string;
}

export interface ContainerRow {
	name: string;
	/** The engine it is on, by name (the context's, else the endpoint). */
	engine: string;
	id: string;
	/** The image reference as the container was created with. */
	image: string;
	/** Repository part of `image`, rows are grouped by it. */
	repository: string;
	version?: string;
	state: string;
	health?: string;
	/** ISO time the container started, for uptime. */
	startedAt?: string;
	/** Ticked because of --container/--image/--label. */
	preselected: boolean;
	/** A PostgreSQL server container (PG_MAJOR in its env): the major it runs, shown beside the version. */
	postgresMajor?: number;
	/** The Compose project and service, for a container Compose manages: listed under its project. */
	compose?: { project: string; service: string };
	/** The Swarm service a task container belongs to: listed under its service, upgraded through it. */
	swarm?: { service: string };
}

export type UpgradeKind = 'patch' | 'minor' | 'major' | 'same' | 'downgrade';

export interface TargetRow {
	tag: string;
	version: string;
	kind: UpgradeKind;
	prerelease: boolean;
	/** Set when the row cannot be chosen (downgrade, same version); the reason is shown. */
	disabledReason?: string;
	/** Intermediate versions the upgrade will pass through (skipped minors). */
	hops: string[];
	releaseNotes?: string;
}

export interface TargetChoice {
	repository: string;
	current: string;
	/** Newest first by semver. */
	rows: TargetRow[];
	/** The row to put the cursor on: --to, else the newest stable in the current major. */
	proposed?: string;
}

export interface PlanPreviewContainer {
	name: string;
	/** The unit's label, as the run's events name it (`<name> on <engine>` when the name repeats on another engine). */
	label?: string;
	/** The engine it is on, by name. */
	engine?: string;
	from: string;
	to: string;
	hops: string[];
	/** The ordered steps, in words. */
	steps: string[];
	stops: string;
	health: string;
	backup?: string;
	/** The product profile that decides the database, labels and schema query, in words. */
	profile?: string;
	/** A Compose service: the diff of each file the edit changes, unified-diff lines. */
	diff?: string[];
	/** The unit kind ('container', 'compose', 'postgres-server', 'swarm-service'): a service is counted as one. */
	kind?: string;
}

export interface PlanPreview {
	containers: PlanPreviewContainer[];
	/** The same lines --dry-run prints. */
	lines: string[];
	warnings: string[];
}

/** The operator's answer when the app names no database: a URL, or an explicit skip. */
export interface DatabaseOverrides {
	/** postgres:// or postgresql:// URL, as --db takes it. */
	db?: string;
	/** Confirmed by the operator, as --skip-backup. */
	skipBackup?: boolean;
}

/**
 * How preview() says that no database was found, so that a view can ask for
 * one: the rejected Error carries these fields (views read the fields, never
 * the core's error classes).
 */
export interface NoDatabaseProblem {
	/** `no-database`: nothing found, a URL would do; `not-postgres`: a SQL Server database, only a skip will do. */
	kind: 'no-database' | 'not-postgres';
	container: string;
	message: string;
}

/** A run whose process died before it finished: what the Recovery screen shows. */
export interface InterruptedRunRow {
	runId: string;
	/** ISO time the run started. */
	startedAt: string;
	/** user@host (pid N). */
	by: string;
	containers: string[];
	/** What the engine holds now for each unit, in words (read now, not only from the journal). */
	stateNow: string[];
	/** What recover will do, in order. */
	steps: string[];
	journal: string;
}

/** What a backend asked the engine before the screens were mounted, as far as it has answered. */
export interface Prefetched {
	engine?: EngineInfo;
	interruptedRuns?: InterruptedRunRow[];
	containers?: ContainerRow[];
}

export interface WizardBackend {
	/** Throws an Error whose message says what is wrong and how to fix it. */
	connect(): Promise<EngineInfo>;
	listContainers(): Promise<ContainerRow[]>;
	/**
	 * The rows listContainers gave, with what only an inspect of each says (uptime,
	 * a PostgreSQL server's major): asked after the list is on the screen, so the
	 * first frame waits for one list call, not one round trip per container.
	 */
	containerDetails?(rows: ContainerRow[]): Promise<ContainerRow[]>;
	/** Answers already in when the screens mount: the first frame shows them instead of "connecting". */
	prefetched?(): Prefetched;
	targets(containers: ChosenContainer[]): Promise<TargetChoice>;
	/** Rejects with a NoDatabaseProblem-shaped Error when the app names no database and `overrides` says nothing. */
	preview(containers: ChosenContainer[], tag: string, overrides?: DatabaseOverrides): Promise<PlanPreview>;
	/** Runs the same executor as --yes; gates come through `prompter`, events through `onEvent`. */
	run(
		containers: ChosenContainer[],
		tag: string,
		io: { prompter: Prompter; onEvent: EventListener; signal: AbortSignal },
		overrides?: DatabaseOverrides,
	): Promise<RunSummary>;
	/** Interrupted runs on the session's engines (none: an empty list); touches nothing. */
	interruptedRuns(): Promise<InterruptedRunRow[]>;
	/** Put one interrupted run back (the same code as `recover --yes`); the recover gate comes through `prompter`. */
	recover(runId: string, io: { prompter: Prompter; onEvent: EventListener; signal: AbortSignal }): Promise<RunSummary>;
}

export type { GateKind };
