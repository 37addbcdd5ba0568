import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal } from '../../source/core/journal/journal.js';
import { holderOf, interruptedRuns, isInterrupted, JournalReadError, listRuns, readJournalFile } from '../../source/core/journal/read-journal.js';
import { Redactor } from '../../source/text/redact.js';

// The journal v2 reader: what `recover`, the Recovery screen and the "held by
// an interrupted run" refusal start from. Files it cannot recover from are
// reported with the reason, never guessed at.

const dirs: string[] = [];
function stateDir(): string {
	const dir = mkdtempSync(join(tmpdir(), 'uw-journal-'));
	dirs.push(dir);
	mkdirSync(join(dir, 'runs'), { recursive: true });
	return dir;
}
afterEach(() => {
	for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A pid that is certainly not running: above the kernel's pid_max. */
const DEAD_PID = 4_194_304 + 17;

function write(dir: string, name: string, content: string): string {
	const path = join(dir, 'runs', name);
	writeFileSync(path, content);
	return path;
}

async function v2Run(dir: string, patch: Record<string, unknown> = {}) {
	const journal = await Journal.create({ dir, runId: `run-${Math.random().toString(16).slice(2, 8)}`, engine: 'unix:///x.sock', argv: [], redactor: new Redactor() });
	await journal.setPlan({ repository: 'r/app', hops: ['1.7.0'], keepOld: false, engine: { endpoint: 'unix:///x.sock', apiVersion: '1.41' }, units: [{ kind: 'container', name: 'app' }] });
	Object.assign(journal.doc, patch);
	await journal.flush();
	return journal;
}

describe('journal v2 reader', () => {
	it('reads back what a run wrote', async () => {
		const dir = stateDir();
		const journal = await v2Run(dir);
		await journal.startHop('1.7.0', 0, true);
		await journal.addUnit({ kind: 'container', key: 'app@1.7.0', name: 'app', hop: '1.7.0', from: 'r/app:1.6.0', to: 'r/app:1.7.0', targetRef: 'r/app:1.7.0', holds: ['app', 'app-old'], parkedName: 'app-old', oldId: 'abc' });
		const action = await journal.intend('app@1.7.0', { kind: 'stop-old', intent: 'stop app', undo: { kind: 'start-container', containerId: 'abc' } });
		await journal.settle(action, 'done');
		const doc = await readJournalFile(journal.path);
		expect(doc.version).toBe(2);
		expect(doc.hops).toEqual([{ tag: '1.7.0', index: 0, migrates: true, status: 'running' }]);
		expect(doc.containers['app@1.7.0']!.actions).toEqual([expect.objectContaining({ seq: 1, kind: 'stop-old', status: 'done', undo: { kind: 'start-container', containerId: 'abc' } })]);
		expect(doc.plan?.units).toEqual([{ kind: 'container', name: 'app' }]);
	});

	it('refuses a version 1 journal as not recoverable, saying why', async () => {
		const dir = stateDir();
		const path = write(dir, 'old.json', JSON.stringify({ version: 1, runId: 'old', status: 'running', containers: {} }));
		await expect(readJournalFile(path)).rejects.toThrow(/older upgrade-wizard \(version 1\).*recover cannot act on it/);
		const runs = await listRuns(dir);
		expect(runs).toEqual([{ path, problem: expect.stringMatching(/version 1/) }]);
	});

	it('leaves finished version 1 journals out of the report: nothing to recover there', async () => {
		const dir = stateDir();
		write(dir, 'done.json', JSON.stringify({ version: 1, runId: 'done', status: 'done', containers: {} }));
		expect(await listRuns(dir)).toEqual([]);
	});

	it('reports a truncated file as damaged', async () => {
		const dir = stateDir();
		const journal = await v2Run(dir);
		const whole = JSON.stringify(journal.doc);
		const path = write(dir, 'cut.json', whole.slice(0, Math.floor(whole.length / 2)));
		const error = await readJournalFile(path).catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(JournalReadError);
		expect((error as Error).message).toMatch(/damaged \(not complete JSON, \d+ bytes\): not recoverable/);
	});

	it('refuses an unknown version', async () => {
		const dir = stateDir();
		const path = write(dir, 'future.json', JSON.stringify({ version: 7, runId: 'f', containers: {}, hops: [] }));
		await expect(readJournalFile(path)).rejects.toThrow('unknown version (7)');
	});

	it('refuses a v2 file without its hops or units', async () => {
		const dir = stateDir();
		const path = write(dir, 'half.json', JSON.stringify({ version: 2, runId: 'h' }));
		await expect(readJournalFile(path)).rejects.toThrow(/incomplete/);
	});

	it('a run is interrupted only when unfinished and its process is gone', async () => {
		const dir = stateDir();
		const live = await v2Run(dir);
		const dead = await v2Run(dir, { pid: DEAD_PID });
		const finished = await v2Run(dir, { pid: DEAD_PID, status: 'done' });
		expect(isInterrupted(live.doc)).toBe(false);
		expect(isInterrupted(dead.doc)).toBe(true);
		expect(isInterrupted(finished.doc)).toBe(false);
		// Another machine's run: its process cannot be checked, so it is never taken over.
		expect(isInterrupted({ ...dead.doc, host: `${hostname()}-elsewhere` })).toBe(false);
		// A run that ended with its rollback incomplete (exit 3) is recover's too; a recovered one is done.
		expect(isInterrupted({ ...dead.doc, status: 'rollback-failed' })).toBe(true);
		expect(isInterrupted({ ...dead.doc, status: 'recovered', recovery: { pid: DEAD_PID, host: hostname(), user: 'u', startedAt: '', status: 'recovered' } })).toBe(false);
		// A recover that died half-way leaves the run open; a live recover keeps it.
		const recovering = { ...dead.doc, status: 'rollback-failed' as const, recovery: { pid: DEAD_PID, host: hostname(), user: 'u', startedAt: '', status: 'running' as const } };
		expect(isInterrupted(recovering)).toBe(true);
		expect(isInterrupted({ ...recovering, recovery: { ...recovering.recovery, pid: process.pid } })).toBe(false);
		const found = await interruptedRuns(dir, 'unix:///x.sock');
		expect(found.map((doc) => doc.runId)).toEqual([dead.doc.runId]);
		expect(await interruptedRuns(dir, 'unix:///other.sock')).toEqual([]);
	});

	it('finds the interrupted run holding a container by its name or its parked name', async () => {
		const dir = stateDir();
		const dead = await v2Run(dir, { pid: DEAD_PID });
		await dead.addUnit({ kind: 'container', key: 'app@1.7.0', name: 'app', hop: '1.7.0', from: 'a', to: 'b', targetRef: 'b', holds: ['app', 'app-old'], parkedName: 'app-old' });
		const runs = await interruptedRuns(dir, 'unix:///x.sock');
		expect(holderOf(runs, 'app')?.runId).toBe(dead.doc.runId);
		expect(holderOf(runs, 'app-old')?.runId).toBe(dead.doc.runId);
		expect(holderOf(runs, 'other')).toBeUndefined();
	});
});
