import { fileStamp } from '../../text/format.js';
import { join } from 'node:path';
import { hostname, userInfo } from 'node:os';
import { writeFileAtomic } from './atomic-file.js';
import { ensurePrivateDir } from './state-dir.js';
import { readJournalFile } from './read-journal.js';
import type { Redactor } from '../../text/redact.js';
import type { Undo } from '../ports.js';
import type { DatabaseLocator } from '../plan/database.js';

// The journal is the durable record of a run, and enough to finish it without
// the process that wrote it. Before each destructive transition the executor
// records its intent and typed undo; after, its outcome. Rollback (after a
// failure) and recovery (after a crash) both walk it newest first.
// Version 2: a global action sequence, hop records, a redacted plan snapshot
// and how to find the database again (never its password).

export const JOURNAL_VERSION = 2;

export type ActionStatus = 'intent' | 'done' | 'failed' | 'undone' | 'undo-failed';

export interface JournalAction {
	/** Run-wide order: rollback walks actions by descending seq. */
	seq: number;
	at: string;
	/** What kind of transition, e.g. 'stop-old' (the driver's name). */
	kind: string;
	/** What the step will do, in words an operator can follow. */
	intent: string;
	undo: Undo;
	/** The target version was started from here: a migrating hop may have migrated. */
	startsTarget?: boolean;
	status: ActionStatus;
	error?: string;
	data?: Record<string, string | number | boolean | undefined>;
}

export type UnitPhase = 'planned' | 'pulled' | 'swapping' | 'health' | 'committed' | 'rolling-back' | 'rolled-back' | 'rollback-failed';

/** What a driver records of a unit before its hop starts; its own fields sit beside these. */
export interface UnitRecordInput {
	kind: string;
	/** `<label>@<target tag>`: `<name>@<tag>`, or `<name> on <engine>@<tag>` when the run has the name on several engines. */
	key: string;
	name: string;
	/** Set when the name repeats on another engine of the run: `<name> on <engine>` (core/cluster-names.ts). */
	label?: string;
	hop: string;
	from: string;
	to: string;
	targetRef: string;
	/** The engine it is on, by name (journals before engine names: the run's `engine`). */
	engine?: string;
	/** Names this unit occupies on its engine while its hop runs (a container: its name and `<name>-old`). */
	holds: string[];
	[field: string]: unknown;
}

/** One unit in one hop. Driver-specific fields (a container's IDs, create options) sit beside the common ones. */
export interface UnitRecord extends UnitRecordInput {
	phase: UnitPhase;
	actions: JournalAction[];
}

export type HopStatus = 'running' | 'committing' | 'committed' | 'rolled-back' | 'rollback-failed';

export interface HopRecord {
	tag: string;
	index: number;
	/** The target migrates the schema: a rollback after any start restores the database. */
	migrates: boolean;
	status: HopStatus;
}

export interface BackupRecord {
	hop: string;
	database: string;
	path: string;
	sizeBytes: number;
	sha256: string;
	serverVersion: string;
	tables: Array<{ schema: string; name: string; rows: number }>;
	inspectPath?: string;
	/** Absent in journals before directory backups: custom (one file). Directory: `path` is the dump directory, `sha256` that of its manifest <path>.sha256. */
	format?: 'custom' | 'directory';
	/** pg_dump workers. */
	jobs?: number;
	/** Directory format: files in the manifest. */
	files?: number;
	/** A copy of an embedded server's data directory (a tar) rather than a pg_dump: how many entries it holds. */
	dataDir?: { path: string; entries: number; bytes: number };
}

export interface RestoreRecord {
	at: string;
	backup: string;
	/** Recorded before pg_restore runs; settled after the row counts were checked. */
	status: 'intent' | 'done' | 'failed';
	error?: string;
}

/** How `recover` reaches an engine again: a docker context by name, else the endpoint. */
export interface EngineReach {
	kind: 'host' | 'context';
	value: string;
}

export interface PlanSnapshot {
	repository: string;
	hops: string[];
	keepOld: boolean;
	/** name: absent in journals written before engines had names (the endpoint then names it). */
	engine: { endpoint: string; apiVersion: string; name?: string; ref?: EngineReach };
	/** A cluster over several engines: every one, in order, with how to reach it again. */
	engines?: Array<{ endpoint: string; apiVersion: string; name: string; ref?: EngineReach }>;
	units: Array<{ kind: string; name: string; engine?: string; label?: string }>;
	database?: DatabaseLocator & { display: string };
}

export interface RecoveryRecord {
	pid: number;
	host: string;
	user: string;
	startedAt: string;
	finishedAt?: string;
	status: 'running' | 'recovered' | 'recover-failed';
}

export type RunStatus = 'running' | 'done' | 'rolled-back' | 'rollback-failed' | 'dry-run' | 'recovered';

export interface JournalDoc {
	version: typeof JOURNAL_VERSION;
	runId: string;
	startedAt: string;
	finishedAt?: string;
	pid: number;
	host: string;
	user: string;
	/** The engine's endpoint (the key `recover` and the held-container check look runs up by). */
	engine: string;
	/** A cluster over several engines: every endpoint (the first is `engine`); recover and the held check look runs up by each. */
	engines?: string[];
	argv: string[];
	status: RunStatus;
	/** Last action seq handed out. */
	seq: number;
	plan?: PlanSnapshot;
	hops: HopRecord[];
	/** Unit records by key (the name is kept from version 1: a unit was always a container). */
	containers: Record<string, UnitRecord>;
	backups?: BackupRecord[];
	restores?: RestoreRecord[];
	/** Set while (and after) `upgrade-wizard recover` works on this run. */
	recovery?: RecoveryRecord;
}

export function newRunId(now = new Date()): string {
	return `${fileStamp(now)}-${process.pid}`;
}

export function currentUser(): string {
	try {
		return userInfo().username;
	} catch {
		return String(process.getuid?.() ?? 'unknown');
	}
}

export class Journal {
	private writing: Promise<void> = Promise.resolve();

	private constructor(
		readonly path: string,
		readonly doc: JournalDoc,
		private readonly redactor: Redactor,
	) {}

	static async create(options: { dir: string; runId: string; engine: string; engines?: string[]; argv: string[]; redactor: Redactor }): Promise<Journal> {
		const runs = await ensurePrivateDir(join(options.dir, 'runs'));
		const doc: JournalDoc = {
			version: JOURNAL_VERSION,
			runId: options.runId,
			startedAt: new Date().toISOString(),
			pid: process.pid,
			host: hostname(),
			user: currentUser(),
			engine: options.engine,
			...(options.engines && options.engines.length > 1 ? { engines: options.engines } : {}),
			argv: options.argv.map((arg) => options.redactor.text(arg)),
			status: 'running',
			seq: 0,
			hops: [],
			containers: {},
		};
		const journal = new Journal(join(runs, `${options.runId}.json`), doc, options.redactor);
		await journal.flush();
		return journal;
	}

	/** Open a journal on disk to recover it (a version 1 file or a damaged one is refused with the reason). */
	static async load(path: string, redactor: Redactor): Promise<Journal> {
		return new Journal(path, await readJournalFile(path), redactor);
	}

	container(key: string): UnitRecord {
		const entry = this.doc.containers[key];
		if (!entry) throw new Error(`journal has no container ${key}`);
		return entry;
	}

	async setPlan(plan: PlanSnapshot): Promise<void> {
		this.doc.plan = this.redactor.value(plan);
		await this.flush();
	}

	async addUnit(entry: UnitRecordInput): Promise<void> {
		const record: UnitRecord = { ...entry, phase: 'planned', actions: [] };
		this.doc.containers[entry.key] = this.redactor.value(record);
		await this.flush();
	}

	async setPhase(key: string, phase: UnitPhase, patch: Record<string, unknown> = {}): Promise<void> {
		Object.assign(this.container(key), this.redactor.value(patch), { phase });
		await this.flush();
	}

	hop(tag: string): HopRecord | undefined {
		return this.doc.hops.find((hop) => hop.tag === tag);
	}

	async startHop(tag: string, index: number, migrates: boolean): Promise<void> {
		this.doc.hops.push({ tag, index, migrates, status: 'running' });
		await this.flush();
	}

	async setHop(tag: string, status: HopStatus): Promise<void> {
		const hop = this.hop(tag);
		if (hop) hop.status = status;
		await this.flush();
	}

	/** Record the intent (and its undo) before a destructive step runs. */
	async intend(key: string, transition: { kind: string; intent: string; undo: Undo; startsTarget?: boolean }): Promise<JournalAction> {
		const entry = this.container(key);
		const action: JournalAction = {
			seq: ++this.doc.seq,
			at: new Date().toISOString(),
			kind: transition.kind,
			intent: this.redactor.text(transition.intent),
			undo: this.redactor.value(transition.undo),
			...(transition.startsTarget ? { startsTarget: true } : {}),
			status: 'intent',
		};
		entry.actions.push(action);
		await this.flush();
		return action;
	}

	async settle(action: JournalAction, status: ActionStatus, patch: { error?: string; data?: JournalAction['data']; undo?: Partial<Undo> } = {}): Promise<void> {
		action.status = status;
		if (patch.error) action.error = this.redactor.text(patch.error);
		if (patch.data) action.data = { ...action.data, ...patch.data };
		if (patch.undo) action.undo = { ...action.undo, ...patch.undo } as Undo;
		await this.flush();
	}

	async recordBackup(record: BackupRecord): Promise<void> {
		(this.doc.backups ??= []).push(this.redactor.value(record));
		await this.flush();
	}

	/** The newest verified backup of this run: what a rollback restores. */
	lastBackup(): BackupRecord | undefined {
		return this.doc.backups?.at(-1);
	}

	async intendRestore(backup: string): Promise<RestoreRecord> {
		const record: RestoreRecord = { at: new Date().toISOString(), backup, status: 'intent' };
		(this.doc.restores ??= []).push(record);
		await this.flush();
		return record;
	}

	async settleRestore(record: RestoreRecord, status: RestoreRecord['status'], error?: string): Promise<void> {
		record.status = status;
		if (error) record.error = this.redactor.text(error);
		await this.flush();
	}

	async setRecovery(recovery: RecoveryRecord): Promise<void> {
		this.doc.recovery = recovery;
		await this.flush();
	}

	async finish(status: RunStatus): Promise<void> {
		this.doc.status = status;
		this.doc.finishedAt = new Date().toISOString();
		await this.flush();
	}

	/** Writes are serialised so the file on disk always reflects the latest complete state. */
	flush(): Promise<void> {
		const content = `${JSON.stringify(this.doc, null, '\t')}\n`;
		this.writing = this.writing.then(() => writeFileAtomic(this.path, content));
		return this.writing;
	}
}
