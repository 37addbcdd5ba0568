import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { world } from '../support/world.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { inspect, waitHealthy } from '../support/docker.js';
import { composeProject, type ComposeTestProject } from '../support/compose.js';
import { terminal, tmux } from '../support/tmux.js';
import { tempDir } from '../support/temp-dir.js';

// The wizard in a real terminal on a Compose project: the container list
// groups the project's services under it, the plan shows the file's diff,
// and the service really ends on the new tag, through Compose.

const w = world();
let db: TestDatabase;
let project: ComposeTestProject;
let text: string;
const session = `uw-tuicompose-${process.pid}`;
const { waitForScreen, keys } = terminal(session);

beforeAll(async () => {
	db = await createTestDatabase(w);
	text = `services:
  web:
    # the web tier
    image: ${w.appRepo}:1.6.0
    environment:
      DATABASE_URL: "${db.containerUrl}"
    volumes:
      - ${db.socketMount}
    labels:
      io.upgrade-wizard.test: "1"
`;
	project = await composeProject({ files: { 'compose.yml': text } });
	await project.up();
	await waitHealthy((await project.containerIds('web'))[0]!, 90_000);
}, 180_000);

afterAll(async () => {
	await tmux('kill-session', '-t', session).catch(() => undefined);
	await project?.down();
	await db?.drop();
});

describe('the wizard on a Compose project, in a real terminal', () => {
	it('lists the service under its project, shows the diff, upgrades through Compose', async () => {
		const name = (await inspect((await project.containerIds('web'))[0]!)).Name.replace(/^\//, '');
		const state = tempDir('uw-tuicompose-');
		const bin = join(import.meta.dirname, '..', '..', 'bin', 'upgrade-wizard.js');
		await tmux('new-session', '-d', '-s', session, '-x', '100', '-y', '30', '-e', `XDG_STATE_HOME=${state}`, '-e', 'NO_COLOR=1', '--', process.execPath, bin, '--container', name, '--to', '1.6.1');
		const list = await waitForScreen(`[x] ${name}`);
		expect(list).toContain(`compose project ${project.name} (1)`);
		expect(list).toContain(`web: ${w.appRepo}`);
		await keys('Enter');
		await waitForScreen(/› 1\.6\.1/);
		await keys('Enter');
		const plan = await waitForScreen('the edit:', 30_000);
		expect(plan).toContain(`-    image: ${w.appRepo}:1.6.0`);
		expect(plan).toContain(`+    image: ${w.appRepo}:1.6.1`);
		expect(plan).toContain('up -d --no-deps web');
		await keys('Enter');
		await waitForScreen('Back up the database', 30_000);
		await keys('y');
		await keys('Enter');
		const done = await waitForScreen('Upgrade complete', 120_000);
		expect(done).toMatch(/1\.6\.0 → 1\.6\.1 +upgraded/);
		expect(readFileSync(project.path('compose.yml'), 'utf8')).toBe(text.replace(':1.6.0', ':1.6.1'));
		expect((await inspect((await project.containerIds('web'))[0]!)).Config.Image).toBe(`${w.appRepo}:1.6.1`);
	});
});
