// --migrate-first and the post-upgrade checks for a Compose service, without an
// engine: the order of the swap's transitions, the one-off's typed undo and how
// rollback names it, the `compose run` step against a stand-in docker-compose
// (a real process: its output as log events, its exit code as the gate, the
// one-off removed by name and label afterwards), replicas' check items merged,
// and the plan's lines. The real thing is test/integration/compose-one-off.test.ts.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type Docker from 'dockerode';
import type { RunEvent } from '../../source/core/events.js';
import type { Plan } from '../../source/core/plan/plan.js';
import { TransitionFailure, type TransitionContext } from '../../source/core/ports.js';
import { genericProfile, type Profile } from '../../source/profiles/profile.js';
import { ComposeDriver } from '../../source/targets/compose/driver.js';
import { composeOneOffTransition, oneOffUndo, removeOneOff } from '../../source/targets/compose/one-off.js';
import { describeService } from '../../source/targets/compose/describe.js';
import type { ComposeRecord, ComposeUnit } from '../../source/targets/compose/unit.js';
import { mergeItems } from '../../source/targets/post-checks.js';
import { oneOffFor } from '../../source/targets/one-off-command.js';

const dir = mkdtempSync(join(tmpdir(), 'uw-compose-oneoff-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const withChecks: Profile = { ...genericProfile, checks: { version: { port: 8228, path: '/version', json: 'service.version' }, gate: true } };

function unitOf(service: string, extra: Partial<ComposeUnit> = {}): ComposeUnit {
	return {
		kind: 'compose',
		key: `shop_${service}_1@1.7.0`,
		name: `shop_${service}_1`,
		from: 'reg/app:1.6.0',
		to: 'reg/app:1.7.0',
		targetRef: 'reg/app:1.7.0',
		project: { name: 'shop', workingDir: dir, files: [join(dir, 'compose.yml')] },
		service,
		cli: { flavor: 'v1', file: join(dir, 'docker-compose'), prefix: [], version: '1.29.2' },
		containers: [{ id: 'c1', name: `shop_${service}_1` }],
		inspect: {} as never,
		oldImage: {} as never,
		oldImageId: 'sha256:old',
		profile: withChecks,
		stopTimeoutS: 1,
		strip: [],
		secrets: [],
		edits: [],
		composeDown: false,
		cluster: [],
		health: { healthcheck: 'auto', stableMs: 0, timeoutMs: 5_000 },
		migrateFirst: { command: ['anchore-manager', 'db', 'upgrade', '--dontask'] },
		...extra,
	};
}

/** Enough of dockerode for the one-off's removal: containers found by the name and label filters. */
function fakeDocker(rows: Array<{ Id: string; name: string; labels: Record<string, string>; removing?: boolean }>) {
	const removed: string[] = [];
	const calls: unknown[] = [];
	const docker = {
		listContainers: async (options: { filters: { name: string[]; label: string[] } }) => {
			calls.push(options.filters);
			const name = new RegExp(options.filters.name[0]!);
			return rows.filter((row) => name.test(`/${row.name}`) && options.filters.label.every((pair) => row.labels[pair.split('=')[0]!] === pair.slice(pair.indexOf('=') + 1)));
		},
		getContainer: (id: string) => ({
			stop: async () => undefined,
			inspect: async () => {
				if (!rows.some((row) => row.Id === id)) throw Object.assign(new Error('no such container'), { statusCode: 404 });
				return { Id: id, Name: `/${id}`, Config: { Image: 'x' }, State: { Running: false, Status: 'removing' } };
			},
			remove: async () => {
				const row = rows.find((each) => each.Id === id)!;
				if (row.removing) {
					// Someone else (an orphaned `compose run --rm`) is removing it: gone a moment later.
					setTimeout(() => rows.splice(rows.indexOf(row), 1), 300);
					throw Object.assign(new Error(`removal of container ${id} is already in progress`), { statusCode: 409, json: { message: 'already in progress' } });
				}
				removed.push(id);
				rows.splice(rows.indexOf(row), 1);
			},
		}),
	};
	return { docker: docker as unknown as Docker, removed, calls };
}

function context(events: RunEvent[]): TransitionContext {
	return { emit: (event) => events.push(event), record: async () => undefined };
}

/** A docker-compose stand-in: records its argv, prints v1's progress and the tool's output, exits with `code`. */
function fakeCompose(code: number): string {
	const file = join(dir, 'docker-compose');
	writeFileSync(
		file,
		`#!/bin/sh\nprintf '%s\\n' "$@" > ${join(dir, 'argv.txt')}\necho 'Creating shop_app_run ... ' >&2\necho 'Creating shop_app_run ... done' >&2\necho 'migration 4/5: notes'\necho 'migration 5/5: tags' >&2\nexit ${code}\n`,
	);
	chmodSync(file, 0o755);
	return file;
}

const ours = { 'io.upgrade-wizard.one-off': 'shop_app_1', 'com.docker.compose.project': 'shop', 'com.docker.compose.oneoff': 'True' };

describe('the Compose swap with --migrate-first and checks', () => {
	const driver = () => new ComposeDriver({ docker: {} as Docker, env: {}, authFor: async () => undefined, backupDir: dir, replan: async () => { throw new Error('one hop'); } });

	it('runs the one-off after the stop and before the up, the checks after the gate; once per hop in a cluster', () => {
		const d = driver();
		const app = unitOf('app');
		const worker = unitOf('worker');
		d.record(app, '1.7.0');
		d.record(worker, '1.7.0');
		expect(d.swap(app).map((transition) => `${transition.kind}:${transition.step}`)).toEqual([
			'edit-files:files', 'stop-old:stop', 'migrate-first:migrate', 'compose-up:start', 'healthy:health', 'post-checks:checks',
		]);
		expect(d.swap(worker).map((transition) => transition.kind)).toEqual(['edit-files', 'stop-old', 'compose-up', 'healthy', 'post-checks']);
		expect(d.steps(app)).toEqual(['pull', 'files', 'stop', 'migrate', 'start', 'health', 'checks', 'remove-old']);
		expect(d.steps(unitOf('app', { migrateFirst: undefined, profile: genericProfile }))).toEqual(['pull', 'files', 'stop', 'start', 'health', 'remove-old']);
	});

	it('journals a typed undo that rollback runs in the detach phase, before the database restore', () => {
		const d = driver();
		const app = unitOf('app');
		d.record(app, '1.7.0');
		const migrate = d.swap(app).find((transition) => transition.kind === 'migrate-first')!;
		expect(migrate.startsTarget).toBe(true);
		expect(migrate.undo).toEqual({ kind: 'remove-one-off', name: 'shop_app_1-migrate', owner: 'shop_app_1', project: 'shop' });
		const record = { name: 'shop_app_1', service: 'app', project: app.project } as unknown as ComposeRecord;
		expect(d.phaseOf(migrate.undo)).toBe('detach');
		expect(d.label(record, migrate.undo)).toBe('remove shop_app_1-migrate');
		expect(d.command(record, migrate.undo)).toBe('docker rm -f shop_app_1-migrate');
	});
});

describe('the compose run step', () => {
	it('exit 0: the output as one-off log lines (not Compose progress), the argv as planned, nothing left', async () => {
		fakeCompose(0);
		const fake = fakeDocker([]);
		const events: RunEvent[] = [];
		const detail = await composeOneOffTransition(fake.docker, unitOf('app'), { command: ['anchore-manager', 'db', 'upgrade', '--dontask'] }, {}).run(context(events));
		expect(detail).toMatch(/^shop_app_1-migrate exited 0 after \d+\.\d s$/);
		expect(events.filter((event) => event.type === 'log').map((event) => event.type === 'log' && `${event.source}: ${event.line}`).sort()).toEqual(['one-off: migration 4/5: notes', 'one-off: migration 5/5: tags']);
		expect(readFileSync(join(dir, 'argv.txt'), 'utf8').trim().split('\n').slice(6)).toEqual([
			'run', '--rm', '--no-deps', '-T', '--name', 'shop_app_1-migrate', '-l', 'io.upgrade-wizard.one-off=shop_app_1', 'app', 'anchore-manager', 'db', 'upgrade', '--dontask',
		]);
		expect(fake.calls).toEqual([{ name: ['^/shop_app_1-migrate$'], label: ['io.upgrade-wizard.one-off=shop_app_1', 'com.docker.compose.project=shop', 'com.docker.compose.oneoff=True'] }]);
	});

	it('a non-zero exit gates with the output, and a one-off Compose left behind is removed (only ours)', async () => {
		fakeCompose(5);
		const fake = fakeDocker([
			{ Id: 'oneoff', name: 'shop_app_1-migrate', labels: ours },
			{ Id: 'someone-else', name: 'shop_app_1-migrate-x', labels: ours },
			{ Id: 'service', name: 'shop_app_1', labels: { ...ours, 'com.docker.compose.oneoff': 'False' } },
		]);
		const failure = await composeOneOffTransition(fake.docker, unitOf('app'), { command: ['upgradedb'] }, {}).run(context([])).catch((error: unknown) => error);
		expect(failure).toBeInstanceOf(TransitionFailure);
		expect((failure as TransitionFailure).step).toBe('migrate');
		expect((failure as TransitionFailure).message).toBe('the one-off migration (upgradedb) exited with code 5');
		expect((failure as TransitionFailure).detail).toEqual(expect.arrayContaining(['output:', '  migration 5/5: tags']));
		expect(fake.removed).toEqual(['oneoff']);
	});

	it('is bounded by the unit health timeout', async () => {
		const file = join(dir, 'docker-compose');
		writeFileSync(file, '#!/bin/sh\nexec sleep 30\n');
		chmodSync(file, 0o755);
		const started = Date.now();
		const failure = (await composeOneOffTransition(fakeDocker([]).docker, unitOf('app', { health: { healthcheck: 'auto', stableMs: 0, timeoutMs: 500 } }), { command: ['x'] }, {}).run(context([])).catch((error: unknown) => error)) as Error;
		expect(failure.message).toBe('the one-off migration did not finish within 1 s');
		expect(Date.now() - started).toBeLessThan(10_000);
	});
});

describe('the remove-one-off undo', () => {
	it('waits (bounded) for a removal an orphaned compose run started, and is a no-op once it is gone', async () => {
		const rows = [{ Id: 'oneoff', name: 'shop_app_1-migrate', labels: ours, removing: true }];
		const fake = fakeDocker(rows);
		expect(await removeOneOff(fake.docker, oneOffUndo(unitOf('app')))).toBe(true);
		expect(rows).toEqual([]);
		expect(await removeOneOff(fake.docker, oneOffUndo(unitOf('app')))).toBe(false);
	});
});

describe('the plan and the checks of a Compose service', () => {
	const planOf = (units: ComposeUnit[]) => ({ units, keepOld: false }) as unknown as Plan<ComposeUnit>;

	it('--dry-run names the one-off (on the first service of a cluster only) and the checks', () => {
		const app = unitOf('app');
		const worker = unitOf('worker');
		const lines = describeService(app, planOf([app, worker]));
		expect(lines).toContain('   after the stop, before up -d: the one-off migration, compose run --rm --no-deps app as shop_app_1-migrate on the new tag (no ports): anchore-manager db upgrade --dontask; must exit 0');
		expect(lines).toContain('   post-upgrade checks: version at :8228/version (service.version) (a failure rolls back)');
		expect(describeService(worker, planOf([app, worker]))).toContain('   the one-off migration ran before the first service of the hop');
	});

	it('--migrate-first with a profile that has no one-off: refused, one line', () => {
		expect(() => oneOffFor('shop_app_1', genericProfile, { migrateFirst: true })).toThrow(
			"--migrate-first: shop_app_1's profile generic (built-in) has no one-off migration command (migration.oneOff); nothing was touched",
		);
	});

	it("merges the replicas' items: done when each is, else failed naming each failing container", () => {
		const done = { check: 'version' as const, status: 'done' as const, detail: 'service.version is 1.7.0 at /version' };
		expect(mergeItems([{ container: 'a', item: done }])).toEqual(done);
		expect(mergeItems([{ container: 'a', item: done }, { container: 'b', item: done }]).detail).toBe('service.version is 1.7.0 at /version (each of a, b)');
		const failed = { check: 'version' as const, status: 'failed' as const, detail: '1 line matches Traceback', lines: ['Traceback (most recent call last)'] };
		expect(mergeItems([{ container: 'a', item: done }, { container: 'b', item: failed }])).toEqual({
			check: 'version',
			status: 'failed',
			detail: 'b: 1 line matches Traceback',
			lines: ['b: Traceback (most recent call last)'],
		});
	});
});
