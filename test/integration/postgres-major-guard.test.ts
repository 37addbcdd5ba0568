import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { docker, inspect, removeByLabel, TEST_LABEL, uniqueName } from '../support/docker.js';
import { world } from '../support/world.js';
import { runWizard } from '../support/wizard.js';

// A PostgreSQL server container whose upgrade path changes major is refused
// before anything is touched: an image swap would leave the new server facing
// the old data directory. Within the major it stays an ordinary swap. The
// world's Postgres images, re-tagged with versions under a repository of this
// test's own (the world tags them by bare major).

const w = world();
const id = uniqueName('pgguard');
const caseLabel = `io.upgrade-wizard.case=${id}`;
const repo = `${w.registry}/${id}/postgres`;

async function retag(source: string, tag: string) {
	await docker(['pull', source]);
	await docker(['tag', source, `${repo}:${tag}`]);
	await docker(['push', `${repo}:${tag}`]);
}

async function serverOn(tag: string) {
	const name = `${id}-${tag.replace(/\./g, '-')}`;
	await docker(['run', '-d', '--name', name, '--label', TEST_LABEL, '--label', caseLabel, '-e', 'POSTGRES_PASSWORD=guard-pw', `${repo}:${tag}`]);
	const deadline = Date.now() + 60_000;
	while (Date.now() < deadline && (await inspect(name)).State.Health?.Status !== 'healthy') await new Promise((resolve) => setTimeout(resolve, 250));
	return { name, id: (await inspect(name)).Id };
}

beforeAll(async () => {
	const pg13 = inject('world').UW_PG13_IMAGE;
	if (!pg13) throw new Error('world.env has no UW_PG13_IMAGE: did test/world/up.sh build the older majors?');
	await retag(pg13, '13.23');
	await retag(w.pgImage, '15.17');
	await retag(w.pgImage, '15.18');
}, 300_000);

afterAll(async () => {
	await removeByLabel(caseLabel);
	for (const tag of ['13.23', '15.17', '15.18']) await docker(['rmi', `${repo}:${tag}`], { reject: false });
});

describe('a PostgreSQL server changing major', () => {
	it('13 -> 15 named with --to is the major-upgrade procedure, not a swap (--dry-run: planned, nothing touched)', async () => {
		const server = await serverOn('13.23');
		const run = await runWizard(['--dry-run', '--container', server.name, '--to', '15.18']);
		expect(run.exitCode, run.stdout + run.stderr).toBe(0);
		expect(run.stdout).toContain('PostgreSQL 13 -> 15: dump and restore onto a new volume');
		const after = await inspect(server.name);
		expect([after.Id, after.Config.Image, after.State.Running]).toEqual([server.id, `${repo}:13.23`, true]);
	});

	it('15.17 -> 13.23 (a downgrade) is refused with exit 2; the server is untouched', async () => {
		const server = await serverOn('15.17');
		const run = await runWizard(['--yes', '--container', server.name, '--to', '13.23']);
		expect(run.exitCode, run.stdout + run.stderr).toBe(2);
		expect(run.stderr.trim()).toBe(
			`upgrade-wizard: ${server.name} runs PostgreSQL 15 and 13.23 is PostgreSQL 13: a downgrade of a PostgreSQL server is not possible (its data directory is of a newer major); nothing was touched`,
		);
		const after = await inspect(server.name);
		expect([after.Id, after.Config.Image, after.State.Running]).toEqual([server.id, `${repo}:15.17`, true]);
		// The next case starts its own 15.17 server under the same name.
		await docker(['rm', '-f', server.name]);
	});

	it('a major the repository does not have (--to 99) is refused with exit 2; the server is untouched', async () => {
		// The first case's 13.23 server goes: this one starts its own under the same name.
		await docker(['rm', '-f', `${id}-13-23`], { reject: false });
		const server = await serverOn('13.23');
		const run = await runWizard(['--yes', '--container', server.name, '--to', '99']);
		expect(run.exitCode, run.stdout + run.stderr).toBe(2);
		expect(run.stderr.trim()).toBe(`upgrade-wizard: ${server.name}: tag not found: ${repo}:99 is not in its registry`);
		const after = await inspect(server.name);
		expect([after.Id, after.Config.Image, after.State.Running]).toEqual([server.id, `${repo}:13.23`, true]);
		const volumes = await docker(['volume', 'ls', '-q', '--filter', 'label=io.upgrade-wizard.pg-major']);
		expect(volumes.stdout).not.toContain(server.name);
		await docker(['rm', '-f', server.name]);
	});

	it('15.17 -> 15.18 stays an ordinary swap', async () => {
		const server = await serverOn('15.17');
		const run = await runWizard(['--dry-run', '--container', server.name, '--to', '15.18', '--skip-backup']);
		expect(run.exitCode, run.stdout + run.stderr).toBe(0);
		expect(run.stdout).toContain(`${repo}:15.17 -> ${repo}:15.18`);
	});
});
