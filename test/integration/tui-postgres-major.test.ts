import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { docker, exists, inspect, TEST_LABEL, uniqueName, waitHealthy } from '../support/docker.js';
import { world } from '../support/world.js';
import { terminal, tmux, wizardInTerminal } from '../support/tmux.js';
import { tempDir } from '../support/temp-dir.js';
import { psqlIn, removePgCase, startPgStack } from '../support/pg-server.js';

// The PostgreSQL major upgrade driven through the wizard in a real terminal
// (tmux, 80x24, NO_COLOR): the container list says the server's major, the
// Version screen offers the newer majors as the procedure, the plan screen
// shows its steps, the major and backup gates are answered by keyboard, and
// the summary names what was kept and how to remove it. On the real engine:
// the server ends on 15 with the data on a new volume, the app the same container.

const w = world();
const id = uniqueName('tuipg');
const caseLabel = `io.upgrade-wizard.case=${id}`;
const labels = ['--label', TEST_LABEL, '--label', caseLabel];
const session = `uw-${id}`;
const network = `${id}-net`;
const server = `${id}-db`;
const app = `${id}-app`;
const volume = `${id}-data`;
const { waitForScreen, keys } = terminal(session);

beforeAll(async () => {
	const pg10 = inject('world').UW_PG10_IMAGE;
	if (!pg10) throw new Error('world.env has no UW_PG10_IMAGE: did test/world/up.sh build the older majors?');
	await docker(['network', 'create', ...labels, network]);
	await startPgStack({
		server, app, volume, image: pg10, appImage: `${w.appRepo}:1.6.0`, network, alias: 'db', labels, superuserPassword: 'tui-secret-pw',
		seed: (name) => psqlIn(name, "CREATE TABLE notes (id serial, body text); INSERT INTO notes (body) SELECT 'n' || g FROM generate_series(1, 321) g"),
	});
}, 120_000);

afterAll(async () => {
	await tmux('kill-session', '-t', session).catch(() => undefined);
	await removePgCase(caseLabel, id, network);
}, 120_000);

describe('a PostgreSQL major upgrade in the wizard, in a real terminal', () => {
	it('shows the major, offers the newer majors as the procedure, asks its gates and moves the data', async () => {
		const state = tempDir('uw-tuipg-');
		const appId = (await inspect(app)).Id;
		const wizard = await wizardInTerminal(session, { state, args: ['--container', server] });

		await waitForScreen(`[x] ${server}`);
		// The major comes with the details, filled in after the first frame.
		await waitForScreen(/10\.\d+ \(PG 10\)/);
		await keys('Enter');
		const versions = await waitForScreen(/› 15 +MAJOR/);
		expect(versions).toContain('13     MAJOR');
		expect(versions).toContain('the data moves to a new volume');
		await keys('Enter');
		const plan = await waitForScreen(`create the volume ${volume}-pg15`, 60_000);
		expect(plan).toContain(`stops:  ${app} (10 s) first, then ${server}`);
		expect(plan).toContain('backup: roles and every database');
		await keys('Enter');
		await waitForScreen('Major upgrade', 30_000);
		await keys('y', 'Enter');
		const gate = await waitForScreen('Back up the PostgreSQL server', 30_000);
		expect(gate).toContain(`the old volume ${volume} is never written`);
		await keys('y', 'Enter');
		const summary = await waitForScreen('Upgrade complete.', 240_000);
		expect(summary).not.toContain('tui-secret-pw');
		await waitForScreen(`docker volume rm ${volume}`, 5_000);
		await keys('Enter');
		expect(await wizard.exitStatus()).toBe('0');

		const now = await inspect(server);
		expect(now.Config.Image).toBe(`${w.registry}/acme/postgres:15`);
		expect(now.Mounts.find((mount: { Destination: string }) => mount.Destination === '/var/lib/postgresql/data')?.Name).toBe(`${volume}-pg15`);
		const rows = await docker(['exec', server, 'psql', '-X', '-t', '-A', '-U', 'postgres', '-d', 'appdb', '-c', 'SELECT count(*) FROM notes']);
		expect(rows.stdout.trim()).toBe('321');
		expect((await inspect(app)).Id).toBe(appId);
		await waitHealthy(app);
		expect(await exists(`${server}-old`)).toBe(true);
	}, 400_000);
});
