// Fixtures (test/fixtures/inspect/):
// - api-1.41-*.json are RECORDED: raw GET /v1.41/containers/{id}/json and
//   /images/{id}/json from dockerd 20.10 on the test machine (see the README
//   there for how each container was started).
// - api-1.44-*.json are HAND-WRITTEN from the Engine API 1.44 reference, since
//   no 1.44+ engine runs here: per-endpoint MacAddress, DNSNames, Aliases that
//   still carry the short container ID (dropped from inspect in 1.45), and
//   Config.MacAddress back-filled with the primary endpoint's configured MAC.
import { readFileSync } from 'node:fs';
import type { ContainerInspectInfo, ImageInspectInfo } from 'dockerode';
import { describe, expect, it } from 'vitest';
import {
	buildRecreateSpec,
	compareApiVersions,
	describeSpecDiff,
	ipDerivedMac,
	normalizeLink,
	type RecreateInput,
	type RecreateSpec,
} from '../../source/targets/container/recreate-spec.js';

function load<T>(name: string): T {
	return JSON.parse(readFileSync(new URL(`../fixtures/inspect/${name}`, import.meta.url), 'utf8')) as T;
}
const container = (name: string) => load<ContainerInspectInfo>(name);

const TARGET = '127.0.0.1:5000/acme/app:1.7.0';
const IMAGE_141 = load<ImageInspectInfo>('api-1.41-image-recreate-fixture-1.0.0.json');
const IMAGE_144 = load<ImageInspectInfo>('api-1.44-image-acme-app-1.6.0.json');
const APP_ID_141 = '43be3d1849344df5cb306c4492c6c7f2df07c1e3f39fdbe148b7bc2d7ca59f6d';

function spec141(file: string, extra: Partial<RecreateInput> = {}): RecreateSpec {
	return buildRecreateSpec({
		container: container(file),
		oldImage: IMAGE_141,
		targetImage: TARGET,
		apiVersion: '1.41',
		...extra,
	});
}

function spec144(file: string, extra: Partial<RecreateInput> = {}): RecreateSpec {
	return buildRecreateSpec({
		container: container(file),
		oldImage: IMAGE_144,
		targetImage: TARGET,
		apiVersion: '1.44',
		...extra,
	});
}

const byTarget = (a: { Target: string }, b: { Target: string }) => a.Target.localeCompare(b.Target);

const RUNTIME_ENDPOINT_FIELDS = [
	'IPAddress',
	'IPPrefixLen',
	'Gateway',
	'IPv6Gateway',
	'GlobalIPv6Address',
	'GlobalIPv6PrefixLen',
	'EndpointID',
	'NetworkID',
	'DNSNames',
];

describe('compareApiVersions', () => {
	it.each([
		['1.9', '1.41', -1],
		['1.41', '1.44', -1],
		['1.44', '1.44', 0],
		['1.45', '1.44', 1],
		['1.100', '1.44', 1],
		['2.0', '1.99', 1],
	])('%s vs %s -> %i', (a, b, expected) => {
		expect(compareApiVersions(a, b)).toBe(expected);
	});
});

describe('helpers', () => {
	it('derives the engine MAC from an IPv4 address', () => {
		expect(ipDerivedMac('172.30.250.10')).toBe('02:42:ac:1e:fa:0a');
		expect(ipDerivedMac('')).toBeUndefined();
	});
	it.each([
		['/uwfx-db:/uwfx-bridge/db', 'uwfx-db:db'],
		['uwfx-peer:peer', 'uwfx-peer:peer'],
		['/solo', 'solo:solo'],
	])('normalizes link %s', (link, expected) => {
		expect(normalizeLink(link)).toBe(expected);
	});
});

describe('recorded API 1.41: operator settings kept, image defaults dropped', () => {
	const { create } = spec141('api-1.41-container-app.json');

	it('targets the new image under the old name', () => {
		expect(create.Image).toBe(TARGET);
		expect(create.name).toBe('uwfx-app');
		expect(spec141('api-1.41-container-app.json', { name: 'renamed' }).create.name).toBe('renamed');
	});

	it('keeps only env entries that differ from the image (whole KEY=VALUE)', () => {
		// APP_MODE=production equals the image default; APP_PORT=9000 does not.
		expect(create.Env).toEqual(['APP_PORT=9000', 'SECRET_TOKEN=dummy-value']);
	});

	it('keeps only labels the image does not carry', () => {
		expect(create.Labels).toEqual({ 'com.example.role': 'primary' });
	});

	it('drops the default entrypoint but keeps the operator command', () => {
		expect(create.Entrypoint).toBeUndefined();
		expect(create.Cmd).toEqual(['sleep', '7200']);
	});

	it('drops WorkingDir, User and StopSignal equal to the image', () => {
		expect(create.WorkingDir).toBeUndefined();
		expect(create.User).toBeUndefined();
		expect(create.StopSignal).toBeUndefined();
	});

	it('keeps only the operator healthcheck fields', () => {
		expect(create.Healthcheck).toEqual({ Interval: 10_000_000_000 });
	});

	it('drops image volumes and unbound image ports, keeps bound and operator ports', () => {
		expect(create.Volumes).toEqual({ '/cache': {} });
		// 8080 is exposed by the image but published; 8443 published; 7000 --expose.
		expect(Object.keys(create.ExposedPorts ?? {}).sort()).toEqual(['7000/tcp', '8080/tcp', '8443/tcp']);
	});

	it('keeps an operator hostname and drops runtime-only fields', () => {
		expect(create.Hostname).toBe('app-host');
		expect(create).not.toHaveProperty('OnBuild');
		expect(create).not.toHaveProperty('Domainname');
		expect(create).not.toHaveProperty('MacAddress');
	});

	it('keeps HostConfig whole (binds, ports, tmpfs, restart, memory)', () => {
		const recorded = container('api-1.41-container-app.json').HostConfig;
		const { Mounts: _added, ...kept } = create.HostConfig ?? {};
		expect(kept).toEqual(recorded);
		expect(kept.RestartPolicy).toEqual({ Name: 'unless-stopped', MaximumRetryCount: 0 });
		expect(kept.Memory).toBe(64 * 1024 * 1024);
		expect(kept.PortBindings['8443/tcp']).toEqual([{ HostIp: '127.0.0.1', HostPort: '18443' }]);
	});

	it('re-attaches the image VOLUME and the operator -v /cache, not named/bind/tmpfs', () => {
		expect([...(create.HostConfig?.Mounts ?? [])].sort(byTarget)).toEqual([
			{ Type: 'volume', Source: '6b0d2eb259b2ea974280a0c083b7d400c9b1dba87d930999bbd93407edcac5d2', Target: '/cache', ReadOnly: false },
			{ Type: 'volume', Source: '41b07ab39103b2f474688e9475c51fb8088d9f38f796d8e9a4f51e8171801f93', Target: '/data', ReadOnly: false },
		]);
	});
});

describe.each([
	['api-1.41-container-peer.json', {}],
	['api-1.41-container-db.json', {}],
	['api-1.41-container-hostnet.json', { engineHostname: 'vm' }],
])('recorded API 1.41 %s started with image defaults only', (file, extra) => {
	const { create } = spec141(file, extra);
	it.each(['Env', 'Labels', 'Entrypoint', 'Cmd', 'WorkingDir', 'User', 'StopSignal', 'Healthcheck', 'Volumes', 'ExposedPorts', 'Hostname'])(
		'drops %s',
		(field) => {
			expect(create).not.toHaveProperty(field);
		},
	);
	it('still re-attaches the image VOLUME', () => {
		const volume = container(file).Mounts.find((m) => m.Destination === '/data');
		expect(create.HostConfig?.Mounts).toEqual([{ Type: 'volume', Source: volume?.Name, Target: '/data', ReadOnly: false }]);
	});
});

describe('hostname rules', () => {
	it('keeps a host-network hostname when the engine hostname is unknown', () => {
		expect(spec141('api-1.41-container-hostnet.json').create.Hostname).toBe('vm');
	});
	it('keeps a host-network hostname that differs from the engine host', () => {
		expect(spec141('api-1.41-container-hostnet.json', { engineHostname: 'other' }).create.Hostname).toBe('vm');
	});
	it('drops hostname and domainname when UTSMode is set', () => {
		const app = container('api-1.44-container-app.json');
		app.HostConfig.UTSMode = 'host';
		app.Config.Hostname = 'chosen';
		const { create } = buildRecreateSpec({ container: app, oldImage: IMAGE_144, targetImage: TARGET, apiVersion: '1.44' });
		expect(create.Hostname).toBeUndefined();
		expect(create.Domainname).toBeUndefined();
	});
	it('keeps an operator domainname', () => {
		expect(spec144('api-1.44-container-app.json').create.Domainname).toBe('example.internal');
	});
});

describe('recorded API 1.41 networks', () => {
	it('puts the NetworkMode network at create and connects the rest before start', () => {
		const spec = spec141('api-1.41-container-app.json');
		expect(spec.create.NetworkingConfig).toEqual({
			EndpointsConfig: {
				'uwfx-net-a': {
					IPAMConfig: { IPv4Address: '172.30.250.10' },
					Aliases: ['app-alias'],
					Links: ['uwfx-peer:peer'],
				},
			},
		});
		expect(spec.connectBeforeStart).toEqual([
			{ network: 'uwfx-net-b', endpoint: { IPAMConfig: { IPv4Address: '172.30.251.20' }, Aliases: ['app-b'] } },
		]);
	});

	it('takes every endpoint at create when the engine speaks 1.44', () => {
		const spec = spec141('api-1.41-container-app.json', { apiVersion: '1.44' });
		expect(Object.keys(spec.create.NetworkingConfig?.EndpointsConfig ?? {})).toEqual(['uwfx-net-a', 'uwfx-net-b']);
		expect(spec.connectBeforeStart).toEqual([]);
		// The recorded MACs are IP-derived, i.e. generated.
		expect(JSON.stringify(spec)).not.toContain('02:42:');
	});

	it('drops the engine short-ID alias on a user-defined network', () => {
		const spec = spec141('api-1.41-container-peer.json');
		expect(spec.create.NetworkingConfig).toEqual({ EndpointsConfig: { 'uwfx-net-a': {} } });
	});

	it('gives the default bridge no aliases', () => {
		const db = container('api-1.41-container-db.json');
		db.NetworkSettings.Networks.bridge.Aliases = ['should-not-survive'];
		const spec = buildRecreateSpec({ container: db, oldImage: IMAGE_141, targetImage: TARGET, apiVersion: '1.41' });
		expect(spec.create.NetworkingConfig).toEqual({ EndpointsConfig: { bridge: {} } });
	});

	it('gives the host network no endpoint settings', () => {
		const spec = spec141('api-1.41-container-hostnet.json');
		expect(spec.create.NetworkingConfig).toBeUndefined();
		expect(spec.connectBeforeStart).toEqual([]);
		expect(spec.create.HostConfig?.NetworkMode).toBe('host');
	});
});

describe('recorded API 1.41 links and legacy MAC', () => {
	it('rewrites inspect links back to name:alias', () => {
		const spec = spec141('api-1.41-container-bridge.json');
		expect(spec.create.HostConfig?.Links).toEqual(['uwfx-db:db']);
	});

	it('keeps an operator container-wide MAC below 1.44', () => {
		const spec = spec141('api-1.41-container-bridge.json');
		expect(spec.create.MacAddress).toBe('02:00:5e:10:00:01');
		expect(spec.create.NetworkingConfig).toEqual({ EndpointsConfig: { bridge: {} } });
	});

	it('moves the operator MAC to the endpoint at 1.44', () => {
		const spec = spec141('api-1.41-container-bridge.json', { apiVersion: '1.44' });
		expect(spec.create).not.toHaveProperty('MacAddress');
		expect(spec.create.NetworkingConfig).toEqual({ EndpointsConfig: { bridge: { MacAddress: '02:00:5e:10:00:01' } } });
	});

	it('never copies a generated MAC, even from Config.MacAddress', () => {
		const db = container('api-1.41-container-db.json') as ContainerInspectInfo & { Config: { MacAddress?: string } };
		db.Config.MacAddress = '02:42:ac:11:00:02'; // derived from its 172.17.0.2
		const spec = buildRecreateSpec({ container: db, oldImage: IMAGE_141, targetImage: TARGET, apiVersion: '1.41' });
		expect(spec.create).not.toHaveProperty('MacAddress');
	});
});

describe('recorded API 1.41 container: network mode', () => {
	const resolveContainerName = (id: string) => (id === APP_ID_141 ? 'uwfx-app' : undefined);

	it('rewrites container:<id> to container:<name>', () => {
		const spec = spec141('api-1.41-container-sidecar.json', { resolveContainerName });
		expect(spec.create.HostConfig?.NetworkMode).toBe('container:uwfx-app');
	});

	it('leaves the id when the name cannot be resolved', () => {
		expect(spec141('api-1.41-container-sidecar.json').create.HostConfig?.NetworkMode).toBe(`container:${APP_ID_141}`);
		expect(
			spec141('api-1.41-container-sidecar.json', { resolveContainerName: () => undefined }).create.HostConfig?.NetworkMode,
		).toBe(`container:${APP_ID_141}`);
	});

	it('sends nothing the engine rejects in container: mode', () => {
		// dockerd: "conflicting options: hostname / port exposing / mac-address and the network mode"
		const { create, connectBeforeStart } = spec141('api-1.41-container-sidecar.json', { resolveContainerName });
		expect(create.Hostname).toBeUndefined();
		expect(create.ExposedPorts).toBeUndefined();
		expect(create.MacAddress).toBeUndefined();
		expect(create.NetworkingConfig).toBeUndefined();
		expect(connectBeforeStart).toEqual([]);
	});
});

describe('hand-written API 1.44 app (three networks, operator MAC, mounts)', () => {
	const spec = spec144('api-1.44-container-app.json');
	const { create } = spec;

	it('takes all endpoints at create, primary first, operator settings only', () => {
		expect(spec.connectBeforeStart).toEqual([]);
		const endpoints = create.NetworkingConfig?.EndpointsConfig ?? {};
		expect(Object.keys(endpoints)).toEqual(['backend', 'bridge', 'frontend']);
		expect(endpoints.backend).toEqual({
			IPAMConfig: { IPv4Address: '172.20.1.10', IPv6Address: 'fd00:20:1::10' },
			Aliases: ['app'],
			MacAddress: '02:00:5e:00:53:01',
		});
		// IP-derived MACs are generated: never copied.
		expect(endpoints.bridge).toEqual({});
		expect(endpoints.frontend).toEqual({
			Aliases: ['api'],
			Links: ['acme-cache:cache'],
			DriverOpts: { 'com.example.qos': 'gold' },
		});
	});

	it('does not send the deprecated container-wide MAC', () => {
		expect(create).not.toHaveProperty('MacAddress');
	});

	it('keeps an operator Cmd equal to the image Cmd when the Entrypoint is the operator\'s', () => {
		expect(create.Entrypoint).toEqual(['/usr/local/bin/docker-entrypoint.sh', '/usr/bin/acme-app']);
		expect(create.Cmd).toEqual(['serve', '--config', '/etc/acme/app.yaml']);
	});

	it('keeps operator config and drops image defaults', () => {
		expect(create.Hostname).toBeUndefined(); // the generated 12-char ID prefix
		expect(create.User).toBe('1000:1000');
		expect(create.WorkingDir).toBeUndefined();
		expect(create.StopSignal).toBe('SIGQUIT');
		expect(create.StopTimeout).toBe(30);
		expect(create.Env).toEqual(['APP_ENV=staging', 'DATABASE_URL=postgres://acme:dummy-password@db.internal:5432/acme']);
		// A label the operator changed (tier) stays; equal pairs go.
		expect(create.Labels).toEqual({ 'com.acme.owner': 'platform', 'com.acme.tier': 'premium' });
		expect(create.Healthcheck).toEqual({ StartInterval: 1_000_000_000, Retries: 5 });
		expect(create.Volumes).toBeUndefined();
		expect(Object.keys(create.ExposedPorts ?? {}).sort()).toEqual(['8080/tcp', '9100/tcp']);
	});

	it('names source-less volume mounts and re-attaches anonymous volumes without duplicating destinations', () => {
		expect([...(create.HostConfig?.Mounts ?? [])].sort(byTarget)).toEqual([
			{ Type: 'volume', Source: 'ba40bbdb2d36f430e5ee730c4501765de93ab615eab3b254eb623d0d6c9af97f', Target: '/exports' },
			{ Type: 'volume', Source: '6c5be2c1ebe45480e45a1abf1dae48191f2a7aa76bd2e6ce371ee55d003cc57e', Target: '/seed', ReadOnly: true },
			{ Type: 'volume', Source: '0ad56447a9bcea3f3f5a74fcfee2fbf4898991548b436fabdaba668029b200fd', Target: '/var/cache/app', ReadOnly: false },
			{ Type: 'volume', Source: 'acme-app-data', Target: '/var/lib/app' },
		]);
		expect(create.HostConfig?.Binds).toEqual(['/srv/acme/config:/etc/acme:ro']);
		expect(create.HostConfig?.Tmpfs).toEqual({ '/tmp': 'rw,size=64m' });
	});

	it('below 1.44 puts the primary at create, connects the others, and uses the legacy MAC field', () => {
		const old = spec144('api-1.44-container-app.json', { apiVersion: '1.43' });
		expect(Object.keys(old.create.NetworkingConfig?.EndpointsConfig ?? {})).toEqual(['backend']);
		expect(old.connectBeforeStart.map((a) => a.network)).toEqual(['bridge', 'frontend']);
		expect(JSON.stringify(old.create.NetworkingConfig)).not.toContain('MacAddress');
		expect(JSON.stringify(old.connectBeforeStart)).not.toContain('MacAddress');
		expect(old.create.MacAddress).toBe('02:00:5e:00:53:01');
	});

	it('finds the primary network when NetworkMode names it by ID prefix', () => {
		const app = container('api-1.44-container-app.json');
		app.HostConfig.NetworkMode = '1cd4db4257d1';
		const old = buildRecreateSpec({ container: app, oldImage: IMAGE_144, targetImage: TARGET, apiVersion: '1.41' });
		expect(Object.keys(old.create.NetworkingConfig?.EndpointsConfig ?? {})).toEqual(['frontend']);
	});
});

describe('hand-written API 1.44 worker (default bridge, link, command override)', () => {
	const { create, connectBeforeStart } = spec144('api-1.44-container-worker.json');

	it('drops the default entrypoint, keeps the operator command', () => {
		expect(create.Entrypoint).toBeUndefined();
		expect(create.Cmd).toEqual(['worker', '--queues', 'default']);
	});

	it('drops every image default', () => {
		expect(create.Env).toEqual(['WORKER_QUEUES=default,mail']);
		expect(create.Labels).toEqual({ 'com.acme.role': 'worker' });
		expect(create.Healthcheck).toBeUndefined();
		expect(create.User).toBeUndefined();
		expect(create.StopSignal).toBeUndefined();
		expect(create.ExposedPorts).toBeUndefined();
		expect(create.Volumes).toEqual({ '/scratch': {} });
		expect(create.Hostname).toBeUndefined();
	});

	it('rewrites links, keeps the restart policy, bridge endpoint empty', () => {
		expect(create.HostConfig?.Links).toEqual(['acme-db:db']);
		expect(create.HostConfig?.RestartPolicy).toEqual({ Name: 'on-failure', MaximumRetryCount: 5 });
		expect(create.NetworkingConfig).toEqual({ EndpointsConfig: { bridge: {} } });
		expect(connectBeforeStart).toEqual([]);
	});

	it('re-attaches all three anonymous volumes', () => {
		expect((create.HostConfig?.Mounts ?? []).map((m) => m.Target).sort()).toEqual(['/scratch', '/var/cache/app', '/var/lib/app']);
	});

	it('keeps an operator MAC on the bridge endpoint', () => {
		const worker = container('api-1.44-container-worker.json') as ContainerInspectInfo & { Config: { MacAddress?: string } };
		worker.Config.MacAddress = '02:00:5e:00:53:99';
		worker.NetworkSettings.Networks.bridge.MacAddress = '02:00:5e:00:53:99';
		const spec = buildRecreateSpec({ container: worker, oldImage: IMAGE_144, targetImage: TARGET, apiVersion: '1.44' });
		expect(spec.create.NetworkingConfig).toEqual({ EndpointsConfig: { bridge: { MacAddress: '02:00:5e:00:53:99' } } });
		expect(spec.create).not.toHaveProperty('MacAddress');
	});
});

describe('random MACs (Docker 28, API 1.48)', () => {
	function randomMacApp(configMac: string | undefined) {
		const app = container('api-1.44-container-app.json') as ContainerInspectInfo & { Config: { MacAddress?: string } };
		if (configMac === undefined) delete app.Config.MacAddress;
		else app.Config.MacAddress = configMac;
		app.NetworkSettings.Networks.backend.MacAddress = 'a6:3e:91:0c:5d:22';
		app.NetworkSettings.Networks.frontend.MacAddress = 'b2:7f:10:44:e8:01';
		return buildRecreateSpec({ container: app, oldImage: IMAGE_144, targetImage: TARGET, apiVersion: '1.48' });
	}

	it('trusts the back-filled Config.MacAddress for the primary endpoint', () => {
		expect(randomMacApp(undefined).create.NetworkingConfig?.EndpointsConfig?.backend.MacAddress).toBeUndefined();
		expect(randomMacApp('02:00:5e:00:53:01').create.NetworkingConfig?.EndpointsConfig?.backend.MacAddress).toBe(
			'02:00:5e:00:53:01',
		);
	});

	it('keeps a non-derived MAC on a secondary endpoint (cannot tell random from operator-set)', () => {
		expect(randomMacApp(undefined).create.NetworkingConfig?.EndpointsConfig?.frontend.MacAddress).toBe('b2:7f:10:44:e8:01');
	});
});

describe('invariants over every fixture and API generation', () => {
	const cases: Array<[string, ImageInspectInfo]> = [
		['api-1.41-container-app.json', IMAGE_141],
		['api-1.41-container-peer.json', IMAGE_141],
		['api-1.41-container-db.json', IMAGE_141],
		['api-1.41-container-bridge.json', IMAGE_141],
		['api-1.41-container-hostnet.json', IMAGE_141],
		['api-1.41-container-sidecar.json', IMAGE_141],
		['api-1.44-container-app.json', IMAGE_144],
		['api-1.44-container-worker.json', IMAGE_144],
	];
	const apis = ['1.41', '1.43', '1.44', '1.45'];

	describe.each(cases)('%s', (file, image) => {
		it.each(apis)('API %s: no runtime endpoint fields, no short-ID alias, no generated MAC', (apiVersion) => {
			const old = container(file);
			const input: RecreateInput = { container: old, oldImage: image, targetImage: TARGET, apiVersion };
			const before = JSON.stringify(input);
			const spec = buildRecreateSpec(input);
			expect(JSON.stringify(input)).toBe(before); // pure: input untouched

			const endpoints = [
				...Object.values(spec.create.NetworkingConfig?.EndpointsConfig ?? {}),
				...spec.connectBeforeStart.map((a) => a.endpoint),
			];
			const short = old.Id.slice(0, 12);
			for (const endpoint of endpoints) {
				for (const field of RUNTIME_ENDPOINT_FIELDS) expect(endpoint).not.toHaveProperty(field);
				expect(endpoint.Aliases ?? []).not.toContain(short);
			}
			expect(spec.create.Hostname).not.toBe(short);
			const json = JSON.stringify(spec);
			for (const ep of Object.values(old.NetworkSettings.Networks)) {
				const generated = ipDerivedMac(ep.IPAddress);
				if (generated) expect(json).not.toContain(generated);
			}
			const networks = Object.keys(old.NetworkSettings.Networks).filter(
				() => !/^(host|none|container:)/.test(old.HostConfig.NetworkMode ?? ''),
			);
			expect(endpoints).toHaveLength(networks.length);
			expect(spec.connectBeforeStart.length).toBe(
				compareApiVersions(apiVersion, '1.44') >= 0 ? 0 : Math.max(networks.length - 1, 0),
			);
		});
	});
});

describe('describeSpecDiff', () => {
	const APP_141 = container('api-1.41-container-app.json');

	it('names the image change first', () => {
		const lines = describeSpecDiff(APP_141, spec141('api-1.41-container-app.json'));
		expect(lines[0]).toBe(`image: upgrade-wizard-test/recreate-fixture:1.0.0 (097f76ce89ab) -> ${TARGET}`);
	});

	it('has one line per kind of dropped default, each naming what went', () => {
		const peer = container('api-1.41-container-peer.json');
		const withShell = { ...peer, Config: { ...peer.Config, Shell: ['/bin/busybox', 'sh', '-c'] } } as ContainerInspectInfo;
		const lines = describeSpecDiff(
			withShell,
			buildRecreateSpec({ container: withShell, oldImage: IMAGE_141, targetImage: TARGET, apiVersion: '1.41' }),
		);
		const expected: Array<[string, string[]]> = [
			['env:', ['PATH', 'APP_MODE', 'APP_PORT']],
			['labels:', ['com.example.vendor', 'org.opencontainers.image.version']],
			['entrypoint:', ['/bin/busybox']],
			['cmd:', ['sleep', '3600']],
			['working dir:', ['/srv']],
			['user:', ['0:0']],
			['stop signal:', ['SIGTERM']],
			['shell:', ['sh']],
			['healthcheck:', ['Test', 'Interval', 'Retries']],
			['volumes:', ['/data']],
			['exposed ports:', ['8080/tcp', '9090/tcp']],
			['hostname:', ['8f8a72903b59']],
		];
		for (const [prefix, mentions] of expected) {
			const matching = lines.filter((line) => line.startsWith(prefix));
			expect(matching, prefix).toHaveLength(1);
			for (const mention of mentions) expect(matching[0]).toContain(mention);
		}
	});

	it('describes kept healthcheck fields, re-attached volumes and the network plan', () => {
		const lines = describeSpecDiff(APP_141, spec141('api-1.41-container-app.json'));
		expect(lines).toContain('healthcheck: image defaults dropped: Test, Timeout, StartPeriod, Retries (kept: Interval)');
		expect(lines).toContain('volume: anonymous 41b07ab39103 re-attached at /data');
		expect(lines).toContain('volume: anonymous 6b0d2eb259b2 re-attached at /cache');
		expect(lines).toContain('network uwfx-net-a: at create (ip 172.30.250.10; aliases app-alias; engine aliases dropped: 43be3d184934, app-host)');
		expect(lines).toContain('network uwfx-net-b: connect before start (ip 172.30.251.20; aliases app-b; engine aliases dropped: 43be3d184934, app-host)');
		expect(lines.some((line) => line.startsWith('entrypoint:'))).toBe(true);
		expect(lines.some((line) => line.startsWith('cmd:'))).toBe(false); // operator command kept
	});

	it('never prints env values', () => {
		for (const [file, image] of [
			['api-1.41-container-app.json', IMAGE_141],
			['api-1.44-container-app.json', IMAGE_144],
		] as const) {
			const old = container(file);
			const text = describeSpecDiff(old, buildRecreateSpec({ container: old, oldImage: image, targetImage: TARGET, apiVersion: '1.44' })).join('\n');
			expect(text).not.toContain('dummy');
			expect(text).not.toContain('production');
		}
	});

	it('reports links, network mode and MAC rewrites', () => {
		const bridge = container('api-1.41-container-bridge.json');
		expect(describeSpecDiff(bridge, spec141('api-1.41-container-bridge.json'))).toContain(
			'links: /uwfx-db:/uwfx-bridge/db -> uwfx-db:db',
		);
		expect(describeSpecDiff(bridge, spec141('api-1.41-container-bridge.json', { apiVersion: '1.44' }))).toContain(
			'mac address: 02:00:5e:10:00:01 moved to the bridge endpoint',
		);
		const sidecar = container('api-1.41-container-sidecar.json');
		const lines = describeSpecDiff(sidecar, spec141('api-1.41-container-sidecar.json', { resolveContainerName: () => 'uwfx-app' }));
		expect(lines).toContain(`network mode: container:${APP_ID_141} -> container:uwfx-app`);
		expect(lines).toContain('network: container:uwfx-app mode, no endpoint settings');
	});

	it('reports a source-less --mount volume that gets named', () => {
		const app = container('api-1.44-container-app.json');
		const lines = describeSpecDiff(app, spec144('api-1.44-container-app.json'));
		expect(lines).toContain('volume: anonymous ba40bbdb2d36 re-attached at /exports');
		expect(lines).toContain('volume: anonymous 6c5be2c1ebe4 re-attached at /seed, read-only');
		expect(lines.some((line) => line.includes('acme-app-data'))).toBe(false);
		expect(lines).toContain('mac address: 02:00:5e:00:53:01 moved to the backend endpoint');
	});
});
