import { afterAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { docker, inspect } from '../support/docker.js';
import { newStateHome, runWizard } from '../support/wizard.js';

// `npm run demo` is the README's first command: an engine where none answers
// (here one does, so it is used as it is), then `upgrade-wizard demo`: a
// disposable stack (the fixture app at 1.6.0 and its Postgres in a container)
// built offline from the test world's recipe, in a world of its own; `demo
// --down` removes all of it.

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const stateHome = newStateHome();

afterAll(async () => {
	await runWizard(['demo', '--down'], { stateHome });
});

describe('demo', () => {
	it('starts the stack, which the wizard upgrades, and removes it again', async () => {
		const up = await execa('npm', ['run', '--silent', 'demo'], { cwd: root, env: { XDG_STATE_HOME: stateHome }, stdin: 'ignore', reject: false, timeout: 600_000 });
		expect(up.exitCode, up.stderr).toBe(0);
		expect(up.stderr).toMatch(/\[world\] engine is up in \d+s/);
		expect(up.stderr).toContain('upgrade-wizard --yes --container uw-demo-app');
		const app = await inspect('uw-demo-app');
		expect(app.State.Health.Status).toBe('healthy');
		expect(app.Config.Labels['io.upgrade-wizard.demo']).toBe('1');
		// Test cleanups must never take the demo along.
		expect(app.Config.Labels['io.upgrade-wizard.test']).toBe('0');
		const db = await inspect('uw-demo-db');
		expect(db.HostConfig.PortBindings ?? {}).toEqual({});

		const run = await runWizard(['--yes', '--container', 'uw-demo-app', '--to', '1.7.0'], { stateHome });
		expect(run.exitCode, run.stdout + run.stderr).toBe(0);
		expect(run.stdout).toMatch(/backup done .*\.dump/);
		expect((await inspect('uw-demo-app')).Config.Image).toMatch(/acme\/app:1\.7\.0$/);

		const down = await runWizard(['demo', '--down'], { stateHome });
		expect(down.exitCode, down.stderr).toBe(0);
		const left = await docker(['ps', '-aq', '--filter', 'label=io.upgrade-wizard.demo=1']);
		expect(left.stdout.trim()).toBe('');
	});
});
