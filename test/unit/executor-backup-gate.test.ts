import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatabasePlan } from '../../source/core/plan/database.js';
import type { ChoiceGate, Gate, GateAnswer, Prompter, TimedEvent } from '../../source/core/events.js';
import { fakeEngine, runOnFakeEngine, singleHopPlan } from '../support/fake-engine.js';

// The backup gate's three ways on (screen 5), on an in-memory engine and the
// real checkBackupSpace: another destination is checked and asked again, a
// skip needs the skip-backup gate too and then no backup runs at all. The
// database target points at a socket dir that does not exist, so any backup
// attempt fails loudly instead of passing unnoticed.

const dirs: string[] = [];
function tempDir(prefix: string): string {
	const dir = mkdtempSync(join(tmpdir(), prefix));
	dirs.push(dir);
	return dir;
}
afterEach(() => {
	for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function databasePlan(backupDir: string, overrides: Partial<DatabasePlan> = {}): DatabasePlan {
	return {
		// Nothing listens there: a backup attempt fails at once.
		target: { kind: 'host', host: join(backupDir, 'no-such-socket-dir'), port: 5432, database: 'app', user: 'app', password: 'db-secret-pw', display: 'postgres://app@localhost/app' },
		display: 'postgres://app@localhost/app',
		serverVersion: '16.4',
		sizeBytes: 1024 * 1024,
		backupDir,
		freeBytes: 10 * 1024 * 1024 * 1024,
		dumpWith: '/usr/bin/pg_dump',
		schemaFrom: 6,
		hopSchemas: { '1.7.0': 7 },
		migratingHops: [],
		offline: false,
		stopAllFirst: false,
		...overrides,
	};
}

/** A prompter that answers choice gates from a list and yes/no gates by kind. */
function scripted(choices: GateAnswer[], confirms: Partial<Record<string, boolean[]>> = {}) {
	const asked: Gate[] = [];
	const prompter: Prompter = {
		name: 'operator',
		async confirm(gate) {
			asked.push(gate);
			if (gate.kind === 'confirm-plan') return true;
			return confirms[gate.kind]?.shift() ?? false;
		},
		async choose(gate: ChoiceGate) {
			asked.push(gate);
			return choices.shift() ?? { choice: 'no' };
		},
	};
	return { prompter, asked };
}

async function run(prompter: Prompter, database: (dir: string) => DatabasePlan) {
	const engine = fakeEngine();
	const plan = singleHopPlan(engine.oldId, { database: database(tempDir('uw-gate-planned-')) });
	const { summary, events } = await runOnFakeEngine(engine, plan, { prompter, secrets: ['db-secret-pw'] });
	const gates = events.filter((event): event is Extract<TimedEvent, { type: 'gate' }> => event.type === 'gate');
	return { summary, events, gates, engine, plan };
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const backupStarts = (events: TimedEvent[]) => events.filter((event) => event.type === 'step-started' && event.step === 'backup');

describe('executor backup gate', () => {
	it('checks another destination, asks again showing it, and backs up there', async () => {
		const other = join(tempDir('uw-gate-other-'), 'nested', 'backups');
		const { prompter, asked } = scripted([{ choice: 'destination', value: other }, { choice: 'confirm' }]);
		const { summary, events, gates } = await run(prompter, (dir) => databasePlan(dir));

		const backupGates = asked.filter((gate) => gate.kind === 'backup');
		expect(backupGates).toHaveLength(2);
		expect(backupGates[1]!.details![2]).toMatch(new RegExp(`^destination: ${escape(other)} \\(.+ free\\)$`));
		expect(gates.map((gate) => [gate.gate.kind, gate.choice, gate.value, gate.answer])).toEqual([
			['confirm-plan', undefined, undefined, true],
			['backup', 'destination', other, false],
			['backup', 'confirm', undefined, true],
		]);
		// The backup ran against the new directory (and failed loudly on the unusable target): nothing stopped.
		expect(backupStarts(events).map((event) => (event as { detail?: string }).detail)).toEqual([`postgres://app@localhost/app -> ${other}`]);
		expect(summary.exitCode).toBe(1);
		expect(summary.containers[0]!.reason).toMatch(/^backup failed: .*nothing was stopped/);
		expect(JSON.stringify(events)).not.toContain('db-secret-pw');
	});

	it('refuses a destination that is not a directory or too small, says why and asks again', async () => {
		const file = join(tempDir('uw-gate-file-'), 'a-file');
		writeFileSync(file, 'x');
		const { prompter, asked } = scripted([{ choice: 'destination', value: file }, { choice: 'destination', value: tempDir('uw-gate-small-') }, { choice: 'no' }]);
		const { summary, engine } = await run(prompter, (dir) => databasePlan(dir, { sizeBytes: 1e18 }));
		const messages = asked.filter((gate) => gate.kind === 'backup').map((gate) => gate.message);
		expect(messages).toHaveLength(3);
		expect(messages[1]).toMatch(new RegExp(`^${escape(file)} cannot take the backup: backup dir not writable: .*; the backup still goes to `));
		expect(messages[2]).toMatch(/^not enough space in .*: .* free, .* needed \(1\.2 x the database\); the backup still goes to /);
		// Declined in the end: exit 2, nothing touched, not even the pull.
		expect(summary.exitCode).toBe(2);
		expect(summary.containers[0]!.reason).toBe('backup not confirmed; nothing was changed');
		expect(engine.pulls()).toBe(0);
	});

	it('a skip confirmed with the skip-backup gate runs with no backup, warns, and the migration is still acknowledged', async () => {
		const { prompter, asked } = scripted([{ choice: 'skip' }], { 'skip-backup': [true], migration: [true] });
		const { summary, events, gates, plan } = await run(prompter, (dir) => databasePlan(dir, { migratingHops: ['1.7.0'] }));
		expect(gates.map((gate) => [gate.gate.kind, gate.choice ?? null, gate.answer])).toEqual([
			['confirm-plan', null, true],
			['backup', 'skip', false],
			['skip-backup', null, true],
			['migration', null, true],
		]);
		expect(asked.find((gate) => gate.kind === 'skip-backup')!.title).toBe('Upgrade without a backup?');
		expect(asked.find((gate) => gate.kind === 'migration')!.details).toContain('there is no automatic downgrade and NO backup will be taken: nothing can take the migration back');
		expect(events).toContainEqual(expect.objectContaining({ type: 'warning', message: expect.stringContaining('skipped by the operator') }));
		// The unusable target was never touched: no backup step at all, and the upgrade went through.
		expect(backupStarts(events)).toEqual([]);
		expect(summary.exitCode).toBe(0);
		expect(summary.containers[0]).toMatchObject({ result: 'upgraded' });
		expect(summary.containers[0]!.backup).toBeUndefined();
		// The migrating first start keeps its longer health timeout.
		expect(plan.units[0]!.health.timeoutMs).toBe(10_000);
	});

	it('a skip not confirmed goes back to the backup question; declining it ends the run with nothing touched', async () => {
		const { prompter, asked } = scripted([{ choice: 'skip' }, { choice: 'no' }], { 'skip-backup': [false] });
		const { summary, engine, events } = await run(prompter, (dir) => databasePlan(dir));
		expect(asked.map((gate) => gate.kind)).toEqual(['confirm-plan', 'backup', 'skip-backup', 'backup']);
		expect(summary.exitCode).toBe(2);
		expect(engine.pulls()).toBe(0);
		expect(events.some((event) => event.type === 'warning')).toBe(false);
	});

	it('counts destination changes: past ten, the gate is a no', async () => {
		const other = tempDir('uw-gate-loop-');
		const { prompter, asked } = scripted(Array.from({ length: 50 }, () => ({ choice: 'destination' as const, value: other })));
		const { summary } = await run(prompter, (dir) => databasePlan(dir));
		expect(asked.filter((gate) => gate.kind === 'backup')).toHaveLength(11);
		expect(summary.exitCode).toBe(2);
		expect(summary.containers[0]!.reason).toBe('backup not confirmed after 10 changes; nothing was changed');
	});

	it('a prompter without choose (--yes) confirms the backup as planned', async () => {
		const prompter: Prompter = { name: '--yes', confirm: async () => true };
		const { gates, events } = await run(prompter, (dir) => databasePlan(dir));
		expect(gates.find((gate) => gate.gate.kind === 'backup')).toMatchObject({ answer: true, choice: 'confirm', by: '--yes' });
		expect(backupStarts(events)).toHaveLength(1);
	});

	it('an answer the gate did not offer counts as no', async () => {
		const { prompter } = scripted([{ choice: 'sideways' as never }]);
		const { summary, gates } = await run(prompter, (dir) => databasePlan(dir));
		expect(gates.find((gate) => gate.gate.kind === 'backup')).toMatchObject({ answer: false, choice: 'no' });
		expect(summary.exitCode).toBe(2);
	});
});
