// Builds the create options for the replacement container from `docker inspect`
// of the old container and of the OLD image (by ID, before the pull). Pure: no
// I/O, so the spec can be built (and shown in --dry-run) long before the old
// container stops, keeping it out of the downtime window.
//
// The inspect document mixes the operator's settings with the old image's
// defaults. We keep the former and drop the latter so the new image's defaults
// apply; see DESIGN.md "Recreating a container faithfully".
import { shortId } from '../../text/format.js';
import type {
	ContainerCreateOptions,
	ContainerInspectInfo,
	EndpointSettings,
	HealthConfig,
	HostConfig,
	ImageInspectInfo,
	MountSettings,
} from 'dockerode';

export interface RecreateInput {
	/** `docker inspect` of the old container. */
	container: ContainerInspectInfo;
	/** `docker inspect` of the old image, by the container's image ID. */
	oldImage: ImageInspectInfo;
	/** e.g. '127.0.0.1:5000/acme/app:1.7.0' */
	targetImage: string;
	/** Engine API version in use, e.g. '1.41' or '1.44'. */
	apiVersion: string;
	/** Name for the new container; default: the old name without its leading '/'. */
	name?: string;
	/** Container ID -> name, to turn `NetworkMode: container:<id>` back into a name. */
	resolveContainerName?: (id: string) => string | undefined;
	/**
	 * The engine host's hostname (`docker info` Name). On the host network the
	 * engine fills Config.Hostname with it; knowing it lets us tell that apart
	 * from an operator-set hostname. Without it such a hostname is kept.
	 */
	engineHostname?: string;
}

/** Endpoint settings we send; GwPriority (API 1.48+) is missing from @types/dockerode. */
export type EndpointConfig = EndpointSettings & { GwPriority?: number };

export interface NetworkAttachment {
	network: string;
	endpoint: EndpointConfig;
}

export interface RecreateSpec {
	/** Includes name, Image=targetImage, HostConfig, NetworkingConfig. */
	create: ContainerCreateOptions;
	/** API < 1.44 only: networks beyond the first, to `network.connect` before start. */
	connectBeforeStart: NetworkAttachment[];
}

// @types/dockerode leaves out fields that inspect does return.
type InspectConfig = ContainerInspectInfo['Config'] & {
	MacAddress?: string;
	StopSignal?: string;
	StopTimeout?: number;
	Shell?: string[];
	ArgsEscaped?: boolean;
	NetworkDisabled?: boolean;
};
type ImageConfig = Partial<ImageInspectInfo['Config']> & {
	StopSignal?: string;
	Shell?: string[];
};
type InspectEndpoint = ContainerInspectInfo['NetworkSettings']['Networks'][string] & {
	DriverOpts?: Record<string, string> | null;
	GwPriority?: number;
	DNSNames?: string[] | null;
};
type MutableConfig = Record<string, unknown>;

/** Numeric comparison of dotted API versions: 1.9 < 1.41 < 1.44. */
export function compareApiVersions(a: string, b: string): number {
	const pa = a.split('.').map((part) => Number.parseInt(part, 10) || 0);
	const pb = b.split('.').map((part) => Number.parseInt(part, 10) || 0);
	for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
		const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
		if (diff !== 0) return diff < 0 ? -1 : 1;
	}
	return 0;
}

export function apiAtLeast(version: string, minimum: string): boolean {
	return compareApiVersions(version, minimum) >= 0;
}

/**
 * Engines before Docker 28 derive a bridge endpoint's MAC from its IPv4
 * address: 02:42 followed by the four address bytes.
 */
export function ipDerivedMac(ipv4: string | undefined): string | undefined {
	if (!ipv4) return undefined;
	const bytes = ipv4.split('.').map((part) => Number(part));
	if (bytes.length !== 4 || bytes.some((b) => !Number.isInteger(b) || b < 0 || b > 255)) return undefined;
	return ['02', '42', ...bytes.map((b) => b.toString(16).padStart(2, '0'))].join(':');
}

type NetworkModeKind = 'bridge' | 'host' | 'none' | 'container' | 'user';

function networkModeKind(mode: string): NetworkModeKind {
	if (mode === '' || mode === 'default' || mode === 'bridge') return 'bridge';
	if (mode === 'host') return 'host';
	if (mode === 'none') return 'none';
	if (mode.startsWith('container:')) return 'container';
	return 'user';
}

export function buildRecreateSpec(input: RecreateInput): RecreateSpec {
	const { container, oldImage, targetImage, apiVersion } = input;
	const perEndpointApi = apiAtLeast(apiVersion, '1.44');
	const hostConfig = structuredClone(container.HostConfig ?? {}) as HostConfig & Record<string, unknown>;
	const networkMode = hostConfig.NetworkMode ?? 'default';
	const modeKind = networkModeKind(networkMode);
	const endpoints = (container.NetworkSettings?.Networks ?? {}) as Record<string, InspectEndpoint>;

	const config = buildConfig(input, modeKind);

	// The container-wide MAC is legacy: API >= 1.44 wants it per endpoint (and
	// 1.52 rejects the old field), and host/none/container: modes reject a MAC.
	const configMac = operatorConfigMac(container.Config as InspectConfig, endpoints);
	delete config.MacAddress;
	if (configMac && !perEndpointApi && (modeKind === 'bridge' || modeKind === 'user')) {
		config.MacAddress = configMac;
	}

	rewriteHostConfig(hostConfig, input);
	reattachAnonymousVolumes(container, hostConfig);

	const create: ContainerCreateOptions = {
		name: input.name ?? container.Name.replace(/^\//, ''),
		...(config as ContainerCreateOptions),
		Image: targetImage,
		HostConfig: hostConfig,
	};

	// Host, none and container: modes take no endpoint settings at all: the
	// engine attaches them itself.
	const connectBeforeStart: NetworkAttachment[] = [];
	if (modeKind === 'bridge' || modeKind === 'user') {
		const names = Object.keys(endpoints);
		const primary = primaryNetwork(networkMode, endpoints) ?? names[0];
		if (primary !== undefined) {
			const ordered = [primary, ...names.filter((n) => n !== primary)];
			const built = ordered.map((network) => ({
				network,
				endpoint: endpointConfig(network, endpoints[network], {
					container,
					perEndpointApi,
					apiVersion,
					isPrimary: network === primary,
					configMac,
				}),
			}));
			// Engines before API 1.44 reject more than one endpoint at create.
			const atCreate = perEndpointApi ? built : built.slice(0, 1);
			if (!perEndpointApi) connectBeforeStart.push(...built.slice(1));
			create.NetworkingConfig = {
				EndpointsConfig: Object.fromEntries(atCreate.map((a) => [a.network, a.endpoint])),
			};
		}
	}

	return { create, connectBeforeStart };
}

function buildConfig(input: RecreateInput, modeKind: NetworkModeKind): MutableConfig {
	const { container, oldImage } = input;
	const source = container.Config as InspectConfig;
	const image: ImageConfig = oldImage.Config ?? {};
	const config = structuredClone(source) as MutableConfig;
	const portBindings = (container.HostConfig?.PortBindings ?? {}) as Record<string, unknown>;

	// Runtime or image-only fields: the target replaces Image, OnBuild only
	// matters when building FROM an image, ArgsEscaped only on Windows.
	delete config.Image;
	delete config.OnBuild;
	if (container.Platform !== 'windows') delete config.ArgsEscaped;

	const imageEnv = new Set(image.Env ?? []);
	const env = (source.Env ?? []).filter((entry) => !imageEnv.has(entry));
	setOrDelete(config, 'Env', env.length > 0 ? env : undefined);

	const imageLabels = image.Labels ?? {};
	const labels = Object.fromEntries(
		Object.entries(source.Labels ?? {}).filter(([key, value]) => imageLabels[key] !== value),
	);
	setOrDelete(config, 'Labels', Object.keys(labels).length > 0 ? labels : undefined);

	// An operator Cmd stays even when it equals the image's: the engine only
	// falls back to the image Cmd when the Entrypoint falls back too.
	const entrypointIsDefault = sameCommand(source.Entrypoint, image.Entrypoint);
	if (entrypointIsDefault) {
		delete config.Entrypoint;
		if (sameCommand(source.Cmd, image.Cmd)) delete config.Cmd;
	}

	for (const key of ['WorkingDir', 'User', 'StopSignal'] as const) {
		if (!source[key] || source[key] === image[key]) delete config[key];
	}
	if (isEmptyList(source.Shell) || sameCommand(source.Shell, image.Shell)) delete config.Shell;

	setOrDelete(config, 'Healthcheck', operatorHealthcheck(source.Healthcheck, image.Healthcheck));

	const volumes = withoutKeys(source.Volumes, image.Volumes, () => false);
	setOrDelete(config, 'Volumes', volumes);

	// A container sharing another's network namespace cannot expose ports
	// (the engine rejects it); whatever it lists came from the image.
	const exposed =
		modeKind === 'container'
			? undefined
			: withoutKeys(source.ExposedPorts, image.ExposedPorts, (port) => port in portBindings);
	setOrDelete(config, 'ExposedPorts', exposed);

	if (!keepHostname(source, container, modeKind, input.engineHostname)) delete config.Hostname;
	const sharedUts = modeKind === 'container' || Boolean(container.HostConfig?.UTSMode);
	if (!source.Domainname || sharedUts) delete config.Domainname;

	return config;
}

function keepHostname(
	source: InspectConfig,
	container: ContainerInspectInfo,
	modeKind: NetworkModeKind,
	engineHostname: string | undefined,
): boolean {
	const hostname = source.Hostname;
	if (!hostname) return false;
	// Generated by the engine from the ID; the new container gets its own.
	if (hostname === shortId(container.Id)) return false;
	// The engine rejects a hostname with container: mode; with a shared UTS
	// namespace it is the other side's anyway.
	if (modeKind === 'container' || container.HostConfig?.UTSMode) return false;
	// On the host network the engine fills in the host's own hostname.
	if (modeKind === 'host' && engineHostname !== undefined && hostname === engineHostname) return false;
	return true;
}

function operatorHealthcheck(
	current: HealthConfig | undefined,
	image: HealthConfig | undefined,
): HealthConfig | undefined {
	if (!current) return undefined;
	// The engine fills each unset field from the image separately, so dropping
	// only the equal fields lets the new image's healthcheck fill the gaps.
	const kept: HealthConfig = {};
	if (!isEmptyList(current.Test) && !sameCommand(current.Test, image?.Test)) kept.Test = [...current.Test!];
	for (const key of ['Interval', 'Timeout', 'StartPeriod', 'StartInterval', 'Retries'] as const) {
		const value = current[key];
		if (value && value !== image?.[key]) kept[key] = value;
	}
	return Object.keys(kept).length > 0 ? kept : undefined;
}

/** Config.MacAddress when the operator set it; never an address the engine generated. */
function operatorConfigMac(source: InspectConfig, endpoints: Record<string, InspectEndpoint>): string | undefined {
	const mac = source.MacAddress?.toLowerCase();
	if (!mac) return undefined;
	const generated = Object.values(endpoints).some((ep) => ipDerivedMac(ep?.IPAddress) === mac);
	return generated ? undefined : mac;
}

function rewriteHostConfig(hostConfig: HostConfig, input: RecreateInput): void {
	// Inspect reports links as `/target:/this/alias`; create wants `target:alias`.
	if (Array.isArray(hostConfig.Links) && hostConfig.Links.length > 0) {
		hostConfig.Links = (hostConfig.Links as string[]).map(normalizeLink);
	}
	// The container we share a namespace with is itself recreated on upgrade, so
	// its ID is not stable; its name is.
	const mode = hostConfig.NetworkMode ?? '';
	if (mode.startsWith('container:')) {
		const ref = mode.slice('container:'.length);
		const name = input.resolveContainerName?.(ref);
		if (name) hostConfig.NetworkMode = `container:${name.replace(/^\//, '')}`;
	}
}

/** `/db:/app/db` (inspect) or `db:db` (create) -> `db:db`. */
export function normalizeLink(link: string): string {
	const [target = '', alias] = link.split(':');
	const name = target.replace(/^\//, '');
	const aliasName = alias ? alias.slice(alias.lastIndexOf('/') + 1) : name;
	return `${name}:${aliasName}`;
}

function cleanPath(path: string): string {
	return path.length > 1 ? path.replace(/\/+$/, '') : path;
}

/**
 * Anonymous volumes (image VOLUME, an operator `-v /path`, or a `--mount
 * type=volume` without a source) would otherwise be replaced by new empty
 * ones; mount each by its name at the same destination so the data moves.
 * Destinations already given by Binds, named Mounts or Tmpfs are the
 * operator's and would collide ("Duplicate mount point").
 */
function reattachAnonymousVolumes(container: ContainerInspectInfo, hostConfig: HostConfig): void {
	const volumeAt = new Map<string, string>();
	for (const mount of container.Mounts ?? []) {
		if (mount.Type === 'volume' && mount.Name) volumeAt.set(cleanPath(mount.Destination), mount.Name);
	}

	const covered = new Set<string>();
	for (const bind of hostConfig.Binds ?? []) {
		const destination = bind.split(':')[1];
		if (destination) covered.add(cleanPath(destination));
	}
	for (const path of Object.keys(hostConfig.Tmpfs ?? {})) covered.add(cleanPath(path));

	const operatorMounts = (hostConfig.Mounts ?? []).map((mount) => {
		const target = cleanPath(mount.Target);
		covered.add(target);
		const name = volumeAt.get(target);
		return mount.Type === 'volume' && !mount.Source && name ? { ...mount, Source: name } : mount;
	});

	const added: MountSettings[] = [];
	for (const mount of container.Mounts ?? []) {
		if (mount.Type !== 'volume' || !mount.Name) continue;
		const target = cleanPath(mount.Destination);
		if (covered.has(target)) continue;
		covered.add(target);
		added.push({ Type: 'volume', Source: mount.Name, Target: mount.Destination, ReadOnly: !mount.RW });
	}

	if (operatorMounts.length > 0 || added.length > 0) hostConfig.Mounts = [...operatorMounts, ...added];
}

/** The endpoint that HostConfig.NetworkMode names: by name, by ID or by ID prefix. */
function primaryNetwork(mode: string, endpoints: Record<string, InspectEndpoint>): string | undefined {
	const wanted = mode === '' || mode === 'default' ? 'bridge' : mode;
	if (wanted in endpoints) return wanted;
	return Object.keys(endpoints).find((name) => {
		const id = endpoints[name]?.NetworkID ?? '';
		return id !== '' && (id === wanted || (/^[0-9a-f]{12,}$/.test(wanted) && id.startsWith(wanted)));
	});
}

interface EndpointContext {
	container: ContainerInspectInfo;
	perEndpointApi: boolean;
	apiVersion: string;
	isPrimary: boolean;
	configMac: string | undefined;
}

/**
 * Only what the operator can set on an endpoint; never the runtime fields
 * (IPAddress, Gateway, EndpointID, NetworkID, DNSNames…), which the engine
 * allocates afresh and may reject when stale.
 */
function endpointConfig(network: string, ep: InspectEndpoint | undefined, ctx: EndpointContext): EndpointConfig {
	const out: EndpointConfig = {};
	if (!ep) return out;
	const isDefaultBridge = network === 'bridge';

	// Static addresses are only allowed (and only ever set) on user-defined networks.
	const ipam = ep.IPAMConfig as EndpointSettings['IPAMConfig'] | null | undefined;
	if (ipam && !isDefaultBridge) {
		const kept: NonNullable<EndpointSettings['IPAMConfig']> = {};
		if (ipam.IPv4Address) kept.IPv4Address = ipam.IPv4Address;
		if (ipam.IPv6Address) kept.IPv6Address = ipam.IPv6Address;
		if (ipam.LinkLocalIPs && ipam.LinkLocalIPs.length > 0) kept.LinkLocalIPs = [...ipam.LinkLocalIPs];
		if (Object.keys(kept).length > 0) out.IPAMConfig = kept;
	}

	// The engine adds the short ID (and, before API 1.44, the hostname) as
	// aliases itself; copying them would pin the OLD container's ID. The
	// default bridge rejects aliases.
	if (!isDefaultBridge && Array.isArray(ep.Aliases)) {
		const engineAdded = new Set([shortId(ctx.container.Id), ctx.container.Config?.Hostname]);
		const aliases = [...new Set((ep.Aliases as string[]).filter((alias) => !engineAdded.has(alias)))];
		if (aliases.length > 0) out.Aliases = aliases;
	}

	if (Array.isArray(ep.Links) && ep.Links.length > 0) out.Links = (ep.Links as string[]).map(normalizeLink);
	if (ep.DriverOpts && Object.keys(ep.DriverOpts).length > 0) out.DriverOpts = { ...ep.DriverOpts };
	if (typeof ep.GwPriority === 'number' && ep.GwPriority !== 0) out.GwPriority = ep.GwPriority;

	if (ctx.perEndpointApi) {
		const mac = operatorEndpointMac(ep, ctx);
		if (mac) out.MacAddress = mac;
	}
	return out;
}

function operatorEndpointMac(ep: InspectEndpoint, ctx: EndpointContext): string | undefined {
	// API 1.44-1.51 inspect back-fills Config.MacAddress with the primary
	// endpoint's configured (not operational) MAC: the one reliable signal.
	if (ctx.isPrimary && ctx.configMac) return ctx.configMac;
	// Docker 28 (API 1.48) generates random MACs, so the operational address
	// says nothing; before 1.52 the back-fill above is authoritative.
	if (ctx.isPrimary && apiAtLeast(ctx.apiVersion, '1.48') && !apiAtLeast(ctx.apiVersion, '1.52')) {
		return undefined;
	}
	const mac = ep.MacAddress?.toLowerCase();
	if (!mac || mac === ipDerivedMac(ep.IPAddress)) return undefined;
	return mac;
}

function setOrDelete(target: MutableConfig, key: string, value: unknown): void {
	if (value === undefined) delete target[key];
	else target[key] = value;
}

function withoutKeys(
	own: Record<string, unknown> | null | undefined,
	image: Record<string, unknown> | null | undefined,
	keep: (key: string) => boolean,
): Record<string, {}> | undefined {
	const kept = Object.keys(own ?? {}).filter((key) => !(key in (image ?? {})) || keep(key));
	return kept.length > 0 ? Object.fromEntries(kept.map((key) => [key, {}])) : undefined;
}

function asList(value: string | string[] | null | undefined): string[] {
	if (value === null || value === undefined) return [];
	return typeof value === 'string' ? [value] : value;
}

function isEmptyList(value: string | string[] | null | undefined): boolean {
	return asList(value).length === 0;
}

/** Unset, null and [] all mean "no command" to the engine. */
function sameCommand(a: string | string[] | null | undefined, b: string | string[] | null | undefined): boolean {
	const la = asList(a);
	const lb = asList(b);
	return la.length === lb.length && la.every((item, i) => item === lb[i]);
}

// --- dry-run description ---------------------------------------------------

/**
 * Human lines for --dry-run: what the new container does differently from the
 * old one. Derived by comparing the two, so it also describes a spec someone
 * edited. Env values are never shown (they may hold secrets), only keys.
 */
export function describeSpecDiff(container: ContainerInspectInfo, spec: RecreateSpec): string[] {
	const lines: string[] = [];
	const old = container.Config as InspectConfig;
	const next = spec.create as ContainerCreateOptions & Record<string, unknown>;
	const oldHost = container.HostConfig ?? {};
	const newHost = next.HostConfig ?? {};

	lines.push(`image: ${old.Image || shortId(container.Image)} (${shortId(container.Image)}) -> ${next.Image}`);

	const newEnv = new Set(next.Env ?? []);
	const droppedEnv = (old.Env ?? []).filter((entry) => !newEnv.has(entry)).map((entry) => entry.split('=')[0]);
	if (droppedEnv.length > 0) lines.push(`env: image defaults dropped, the new image's apply: ${droppedEnv.join(', ')}`);

	const newLabels = next.Labels ?? {};
	const droppedLabels = Object.keys(old.Labels ?? {}).filter((key) => !(key in newLabels));
	if (droppedLabels.length > 0) lines.push(`labels: image defaults dropped: ${droppedLabels.join(', ')}`);

	if (!isEmptyList(old.Entrypoint) && next.Entrypoint === undefined) {
		lines.push(`entrypoint: image default ${JSON.stringify(asList(old.Entrypoint))} dropped, the new image's applies`);
	}
	if (!isEmptyList(old.Cmd) && next.Cmd === undefined) {
		lines.push(`cmd: image default ${JSON.stringify(old.Cmd)} dropped, the new image's applies`);
	}
	const scalarDefaults: Array<[string, 'WorkingDir' | 'User' | 'StopSignal']> = [
		['working dir', 'WorkingDir'],
		['user', 'User'],
		['stop signal', 'StopSignal'],
	];
	for (const [label, key] of scalarDefaults) {
		if (old[key] && next[key] === undefined) lines.push(`${label}: image default ${old[key]} dropped`);
	}
	if (!isEmptyList(old.Shell) && next.Shell === undefined) {
		lines.push(`shell: image default ${JSON.stringify(old.Shell)} dropped`);
	}

	const oldHealth = old.Healthcheck;
	if (oldHealth) {
		const newHealth = (next.Healthcheck ?? {}) as HealthConfig;
		const fields = ['Test', 'Interval', 'Timeout', 'StartPeriod', 'StartInterval', 'Retries'] as const;
		const dropped = fields.filter((f) => {
			const had = f === 'Test' ? !isEmptyList(oldHealth.Test) : Boolean(oldHealth[f]);
			return had && newHealth[f] === undefined;
		});
		const kept = fields.filter((f) => newHealth[f] !== undefined);
		if (dropped.length > 0) {
			const keptNote = kept.length > 0 ? ` (kept: ${kept.join(', ')})` : '';
			lines.push(`healthcheck: image defaults dropped: ${dropped.join(', ')}${keptNote}`);
		}
	}

	const droppedVolumes = Object.keys(old.Volumes ?? {}).filter((v) => !(v in (next.Volumes ?? {})));
	if (droppedVolumes.length > 0) lines.push(`volumes: image-declared ${droppedVolumes.join(', ')} dropped`);
	const droppedPorts = Object.keys(old.ExposedPorts ?? {}).filter((p) => !(p in (next.ExposedPorts ?? {})));
	if (droppedPorts.length > 0) lines.push(`exposed ports: image defaults dropped: ${droppedPorts.join(', ')}`);

	if (old.Hostname && next.Hostname === undefined) lines.push(`hostname: ${old.Hostname} dropped, the engine assigns one`);
	if (old.MacAddress && next.MacAddress === undefined) {
		const movedTo = Object.entries(next.NetworkingConfig?.EndpointsConfig ?? {}).find(
			([, ep]) => ep.MacAddress === old.MacAddress?.toLowerCase(),
		);
		lines.push(
			movedTo
				? `mac address: ${old.MacAddress} moved to the ${movedTo[0]} endpoint`
				: `mac address: ${old.MacAddress} dropped`,
		);
	}

	const oldLinks = (oldHost.Links ?? []) as string[];
	const newLinks = (newHost.Links ?? []) as string[];
	if (oldLinks.length > 0 && oldLinks.join() !== newLinks.join()) {
		lines.push(`links: ${oldLinks.join(', ')} -> ${newLinks.join(', ')}`);
	}
	if (oldHost.NetworkMode !== newHost.NetworkMode) {
		lines.push(`network mode: ${oldHost.NetworkMode} -> ${newHost.NetworkMode}`);
	}

	const oldMounts = new Map((oldHost.Mounts ?? []).map((m) => [m.Target, m]));
	for (const mount of newHost.Mounts ?? []) {
		const before = oldMounts.get(mount.Target);
		if (before && (before.Source || !mount.Source)) continue;
		const ro = mount.ReadOnly ? ', read-only' : '';
		lines.push(`volume: anonymous ${shortId(mount.Source)} re-attached at ${mount.Target}${ro}`);
	}

	const oldEndpoints = (container.NetworkSettings?.Networks ?? {}) as Record<string, InspectEndpoint>;
	const attachments: Array<[string, EndpointConfig, string]> = [
		...Object.entries(next.NetworkingConfig?.EndpointsConfig ?? {}).map(
			([network, ep]) => [network, ep, 'at create'] as [string, EndpointConfig, string],
		),
		...spec.connectBeforeStart.map((a) => [a.network, a.endpoint, 'connect before start'] as [string, EndpointConfig, string]),
	];
	for (const [network, ep, when] of attachments) {
		const details: string[] = [];
		if (ep.IPAMConfig?.IPv4Address) details.push(`ip ${ep.IPAMConfig.IPv4Address}`);
		if (ep.IPAMConfig?.IPv6Address) details.push(`ipv6 ${ep.IPAMConfig.IPv6Address}`);
		if (ep.Aliases?.length) details.push(`aliases ${ep.Aliases.join(', ')}`);
		if (ep.MacAddress) details.push(`mac ${ep.MacAddress}`);
		const droppedAliases = ((oldEndpoints[network]?.Aliases ?? []) as string[]).filter(
			(alias) => !(ep.Aliases ?? []).includes(alias),
		);
		if (droppedAliases.length > 0) details.push(`engine aliases dropped: ${droppedAliases.join(', ')}`);
		lines.push(`network ${network}: ${when}${details.length > 0 ? ` (${details.join('; ')})` : ''}`);
	}
	const kept = new Set(attachments.map(([network]) => network));
	const mode = networkModeKind(newHost.NetworkMode ?? 'default');
	if (mode !== 'bridge' && mode !== 'user') {
		lines.push(`network: ${newHost.NetworkMode} mode, no endpoint settings`);
	} else {
		for (const network of Object.keys(oldEndpoints)) {
			if (!kept.has(network)) lines.push(`network ${network}: not re-attached`);
		}
	}
	return lines;
}
