import { describe, expect, it } from 'vitest';
import { oneOffSpec } from '../../source/targets/container/one-off.js';
import { validateProfile } from '../../source/profiles/schema.js';
import { MINIMAL_PROFILE } from '../support/profile-doc.js';

const base = MINIMAL_PROFILE;

describe('the one-off migration container', () => {
	const spec = {
		create: {
			name: 'app',
			Image: 'reg/app:2',
			Env: ['DATABASE_URL=x'],
			Labels: { team: 'a' },
			ExposedPorts: { '8080/tcp': {} },
			Healthcheck: { Test: ['CMD', 'true'] },
			HostConfig: { Binds: ['/srv:/srv'], PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }] }, RestartPolicy: { Name: 'always' }, PublishAllPorts: true },
			NetworkingConfig: { EndpointsConfig: { appnet: { Aliases: ['app', 'api'], IPAMConfig: { IPv4Address: '10.9.0.5' }, MacAddress: '02:42:0a:09:00:05' } } },
		},
		connectBeforeStart: [{ network: 'other', endpoint: { Aliases: ['app'] } }],
	};
	const one = oneOffSpec(spec as never, 'app-migrate', { entrypoint: ['/bin/tool'], command: ['db', 'upgrade'] }, 'app');

	it('keeps what reaches the database (env, binds, networks) and runs the command', () => {
		expect(one.create).toMatchObject({ name: 'app-migrate', Image: 'reg/app:2', Env: ['DATABASE_URL=x'], Entrypoint: ['/bin/tool'], Cmd: ['db', 'upgrade'] });
		expect(one.create.HostConfig?.Binds).toEqual(['/srv:/srv']);
		expect(Object.keys(one.create.NetworkingConfig?.EndpointsConfig ?? {})).toEqual(['appnet']);
		expect(one.create.Labels).toEqual({ team: 'a', 'io.upgrade-wizard.one-off': 'app' });
	});

	it('drops what would make it look like the service: ports, aliases, fixed addresses, restarts, healthcheck', () => {
		expect(one.create.HostConfig?.PortBindings).toBeUndefined();
		expect(one.create.HostConfig?.PublishAllPorts).toBe(false);
		expect(one.create.HostConfig?.RestartPolicy).toEqual({ Name: 'no' });
		expect(one.create.ExposedPorts).toBeUndefined();
		expect(one.create.Healthcheck).toEqual({ Test: ['NONE'] });
		expect(one.create.NetworkingConfig?.EndpointsConfig?.appnet).toEqual({});
		expect(one.connectBeforeStart).toEqual([{ network: 'other', endpoint: {} }]);
		// The new container's own spec is untouched.
		expect(spec.create.HostConfig.PortBindings).toBeDefined();
		expect(spec.create.NetworkingConfig.EndpointsConfig.appnet.Aliases).toEqual(['app', 'api']);
	});

	it("without an entrypoint in the profile the image's (or the operator's) stays", () => {
		const kept = oneOffSpec(spec as never, 'app-migrate', { command: ['upgradedb'] }, 'app');
		expect(kept.create.Entrypoint).toBeUndefined();
		expect(kept.create.Cmd).toEqual(['upgradedb']);
	});
});

describe('migration in the profile schema', () => {
	it('reads a one-off and fills the defaults', () => {
		expect(validateProfile({ ...base, migration: { oneOff: { command: 'upgradedb' } } }, 'f').migration).toEqual({ automatic: true, first: false, declared: true, oneOff: { command: ['upgradedb'] } });
		expect(validateProfile({ ...base, migration: { automatic: false, oneOff: { entrypoint: ['/x'], command: ['db', 'upgrade'] } } }, 'f').migration?.automatic).toBe(false);
	});
	it.each([
		[{ first: true }, 'migration.first: needs migration.oneOff'],
		[{ automatic: false }, 'migration.automatic: false needs migration.oneOff'],
		[{ automatic: 'no' }, 'migration.automatic: must be true or false'],
		[{ oneOff: { command: [] } }, 'migration.oneOff.command: must be a string or a non-empty list of strings'],
		[{ oneOff: { cmd: ['x'] } }, 'migration.oneOff.cmd: unknown key'],
	])('refuses %j', (migration, message) => {
		expect(() => validateProfile({ ...base, migration }, 'f')).toThrow(`profile f: ${message}`);
	});
});
