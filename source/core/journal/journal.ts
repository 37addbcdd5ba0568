import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hostname, userInfo } from 'node:os';
import { writeFileAtomic } from './atomic-file.js';
import { ensurePrivateDir } from './state-dir.js';
import type { Redactor } from '../../text/redact.js';

// The journal is the durable record of a run. Before each destructive step the
// executor records what it is about to do and how to undo it; rollback reads
// the journal (not in-memory state), so a later `rollback`/`resume` command can
// finish the job after a crash.

export type ActionKind = 'stop-old' | 'rename-old' | 'create-new' | 'start-new' | 'remove-old';
export type ActionStatus = 'intent' | 'done' | 'failed' | 'undone' | 'undo-failed';

export interface JournalAction {
	seq: number;
	at: string;
	kind: ActionKind;
	/** What the step will do, in words an operator can follow. */
	intent: string;
	/** How to undo it by hand (the docker CLI command). */
	undo: string;
	status: ActionStatus;
	error?: string;
	data?: Record<string, string | number | boolean | undefined>;
}

export type ContainerPhase = 'planned' | 'pulled' | 'swapping' | 'health' | 'committed' | 'rolling-back' | 'rolled-back' | 'rollback-failed';

export interface ContainerJournal {
	/** One entry per container and hop: `<name>@<target tag>`. */
	key: string;
	name: string;
	parkedName: string;
	oldId: string;
	oldImageId: string;
	from: string;
	to: string;
	targetRef: string;
	phase: ContainerPhase;
	newId?: string;
	actions: JournalAction[];
	/** Redacted `docker inspect` of the old container and of its image, taken before the pull. */
	inspect?: { container: unknown; image: unknown };
	createOptions?: unknown;
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
}

export interface RestoreRecord {
	at: string;
	backup: string;
	/** Recorded before pg_restore runs; settled after the row counts were checked. */
	status: 'intent' | 'done' | 'failed';
	error?: string;
}

export interface JournalDoc {
	version: 1;
	runId: string;
	startedAt: string;
	finishedAt?: string;
	pid: number;
	host: string;
	user: string;
	engine: string;
	argv: string[];
	status: 'running' | 'done' | 'rolled-back' | 'rollback-failed' | 'dry-run';
	containers: Record<string, ContainerJournal>;
	backups?: BackupRecord[];
	restores?: RestoreRecord[];
}

export function newRunId(now = new Date()): string {
	const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
	return `${stamp}-${process.pid}`;
}

export class Journal {
	private writing: Promise<void> = Promise.resolve();

	private constructor(
		readonly path: string,
		readonly doc: JournalDoc,
		private readonly redactor: Redactor,
	) {}

	static async create(options: { dir: string; runId: string; engine: string; argv: string[]; redactor: Redactor }): Promise<Journal> {
		const runs = await ensurePrivateDir(join(options.dir, 'runs'));
		const doc: JournalDoc = {
			version: 1,
			runId: options.runId,
			startedAt: new Date().toISOString(),
			pid: process.pid,
			host: hostname(),
			user: safeUser(),
			engine: options.engine,
			argv: options.argv.map((arg) => options.redactor.text(arg)),
			status: 'running',
			containers: {},
		};
		const journal = new Journal(join(runs, `${options.runId}.json`), doc, options.redactor);
		await journal.flush();
		return journal;
	}

	static async load(path: string, redactor: Redactor): Promise<Journal> {
		const doc = JSON.parse(await readFile(path, 'utf8')) as JournalDoc;
		if (doc.version !== 1) throw new Error(`unsupported journal version in ${path}`);
		return new Journal(path, doc, redactor);
	}

	container(key: string): ContainerJournal {
		const entry = this.doc.containers[key];
		if (!entry) throw new Error(`journal has no container ${key}`);
		return entry;
	}

	async addContainer(entry: Omit<ContainerJournal, 'actions' | 'phase'>): Promise<void> {
		this.doc.containers[entry.key] = this.redactor.value({ ...entry, phase: 'planned', actions: [] });
		await this.flush();
	}

	async setPhase(key: string, phase: ContainerPhase, patch: Partial<ContainerJournal> = {}): Promise<void> {
		Object.assign(this.container(key), patch, { phase });
		await this.flush();
	}

	/** Record the intent (and its undo) before a destructive step runs. */
	async intend(key: string, kind: ActionKind, intent: string, undo: string, data?: JournalAction['data']): Promise<JournalAction> {
		const entry = this.container(key);
		const action: JournalAction = {
			seq: entry.actions.length + 1,
			at: new Date().toISOString(),
			kind,
			intent: this.redactor.text(intent),
			undo: this.redactor.text(undo),
			status: 'intent',
			data,
		};
		entry.actions.push(action);
		await this.flush();
		return action;
	}

	async settle(action: JournalAction, status: ActionStatus, patch: { error?: string; data?: JournalAction['data'] } = {}): Promise<void> {
		action.status = status;
		if (patch.error) action.error = this.redactor.text(patch.error);
		if (patch.data) action.data = { ...action.data, ...patch.data };
		await this.flush();
	}

	async recordBackup(record: BackupRecord): Promise<void> {
		(this.doc.backups ??= []).push(this.redactor.value(record));
		await this.flush();
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

	async finish(status: JournalDoc['status']): Promise<void> {
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

function safeUser(): string {
	try {
		return userInfo().username;
	} catch {
		return String(process.getuid?.() ?? 'unknown');
	}
}
