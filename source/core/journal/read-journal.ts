import { readFile, readdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { JournalDoc, UnitRecord } from './journal.js';
import { processAlive } from './process-alive.js';

// Reading journals back: `recover`, the Recovery screen and the preflight
// refusal ("an interrupted run holds this container") all start here. A file
// this version cannot recover from is reported with the reason, never guessed at.

export class JournalReadError extends Error {
	constructor(
		readonly path: string,
		message: string,
		/** The run it holds had ended: nothing to recover, so nothing to report. */
		readonly finished = false,
	) {
		super(message);
		this.name = 'JournalReadError';
	}
}

export async function readJournalFile(path: string): Promise<JournalDoc> {
	let raw: string;
	try {
		raw = await readFile(path, 'utf8');
	} catch (error) {
		throw new JournalReadError(path, `cannot read the journal ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
	}
	let doc: Omit<Partial<JournalDoc>, 'version'> & { version?: unknown };
	try {
		doc = JSON.parse(raw) as typeof doc;
	} catch {
		throw new JournalReadError(path, `the journal ${path} is damaged (not complete JSON, ${raw.length} bytes): not recoverable; compare it with \`docker ps -a\` by hand`);
	}
	if (!doc || typeof doc !== 'object') throw new JournalReadError(path, `the journal ${path} holds no run`);
	if (doc.version === 1) {
		throw new JournalReadError(
			path,
			`the journal ${path} was written by an older upgrade-wizard (version 1): it has no hop records, so recover cannot act on it; its containers and the hand commands are in the file`,
			doc.status !== 'running',
		);
	}
	if (doc.version !== 2) throw new JournalReadError(path, `the journal ${path} has an unknown version (${String(doc.version)}): not recoverable by this upgrade-wizard`);
	if (typeof doc.runId !== 'string' || !doc.containers || !Array.isArray(doc.hops)) {
		throw new JournalReadError(path, `the journal ${path} is incomplete (no run id, units or hops): not recoverable`);
	}
	return doc as unknown as JournalDoc;
}

export interface RunOnDisk {
	path: string;
	doc?: JournalDoc;
	/** Why the file cannot be used, when it cannot. */
	problem?: string;
}

/** Every journal under <state>/runs, newest first; unreadable ones come with their problem. */
export async function listRuns(stateDirectory: string): Promise<RunOnDisk[]> {
	const dir = join(stateDirectory, 'runs');
	const names = await readdir(dir).catch(() => [] as string[]);
	const runs: RunOnDisk[] = [];
	for (const name of names.filter((entry) => entry.endsWith('.json') && !entry.startsWith('.')).sort().reverse()) {
		const path = join(dir, name);
		try {
			runs.push({ path, doc: await readJournalFile(path) });
		} catch (error) {
			if (error instanceof JournalReadError && error.finished) continue;
			runs.push({ path, problem: (error as Error).message });
		}
	}
	return runs;
}

/** Whether a run's writer (or its recoverer) still lives: a live process keeps its run. */
export function runIsLive(doc: JournalDoc): boolean {
	const here = hostname();
	if (doc.recovery?.status === 'running' && doc.recovery.host === here && processAlive(doc.recovery.pid)) return true;
	if (doc.host !== here) return true; // another machine's process: cannot tell, so never take it over
	return processAlive(doc.pid);
}

/**
 * Not finished (or ended with its rollback incomplete, exit 3), and nobody is
 * working on it: what `recover` is for.
 */
export function isInterrupted(doc: JournalDoc): boolean {
	const open = doc.status === 'running' || doc.status === 'rollback-failed' || (doc.recovery !== undefined && doc.recovery.status !== 'recovered');
	return open && !runIsLive(doc);
}

/** The run touched this engine (its only one, or one of a cluster's). */
export function onEngine(doc: Pick<JournalDoc, 'engine' | 'engines'>, endpoint: string): boolean {
	return doc.engine === endpoint || (doc.engines?.includes(endpoint) ?? false);
}

/** The interrupted runs of an engine with their files, newest first. */
export async function interruptedRunFiles(stateDirectory: string, engine: string): Promise<Array<{ path: string; doc: JournalDoc }>> {
	const runs = await listRuns(stateDirectory);
	return runs.flatMap((run) => (run.doc && onEngine(run.doc, engine) && isInterrupted(run.doc) ? [{ path: run.path, doc: run.doc }] : []));
}

export async function interruptedRuns(stateDirectory: string, engine: string): Promise<JournalDoc[]> {
	return (await interruptedRunFiles(stateDirectory, engine)).map((run) => run.doc);
}

/** Unfinished version-1 journals of an engine: reported, since they cannot be recovered. */
export async function unreadableRuns(stateDirectory: string): Promise<RunOnDisk[]> {
	return (await listRuns(stateDirectory)).filter((run) => run.problem);
}

/** The engine a unit record is on; journals from before engine names know only the run's one endpoint. */
export function engineOfRecord(doc: Pick<JournalDoc, 'engine' | 'plan'>, record: Pick<UnitRecord, 'engine'>): string {
	return record.engine ?? doc.plan?.engine.name ?? doc.engine;
}

/** Whether a run is about this container: planned it, or holds it (or its parked copy) in a unit record. */
function mentions(doc: JournalDoc, name: string): boolean {
	if (doc.plan?.units.some((unit) => unit.name === name)) return true;
	// `holds` from journal v2 on; a record without it still holds its own name.
	return Object.values(doc.containers).some((record) => record.name === name || (record.holds ?? []).includes(name));
}

/** The interrupted run that holds a container, if any: the operator decides with `recover`, not a new run. */
export function holderOf(runs: JournalDoc[], name: string): JournalDoc | undefined {
	return runs.find((doc) => mentions(doc, name));
}

/**
 * The newest run that put something under this name (a parked `<name>-old`)
 * and never undid it: a unit whose hop did not roll back.
 */
export async function parkedBy(stateDirectory: string, parkedName: string): Promise<RunOnDisk | undefined> {
	for (const run of await listRuns(stateDirectory)) {
		const parked = Object.values(run.doc?.containers ?? {}).some(
			(record) => record.name !== parkedName && (record.holds ?? []).includes(parkedName) && record.phase !== 'rolled-back' && record.actions.some((action) => action.status === 'done'),
		);
		if (parked) return run;
	}
	return undefined;
}
