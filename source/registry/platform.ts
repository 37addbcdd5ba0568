// Which image of a multi-platform tag this machine's engine would run: Node's
// process.arch names mapped to the GOARCH names OCI indexes use.

export interface Platform {
	os: string;
	architecture: string;
	variant?: string;
}

const GOARCH: Partial<Record<NodeJS.Architecture, string>> = {
	x64: 'amd64',
	ia32: '386',
	arm64: 'arm64',
	arm: 'arm',
	ppc64: 'ppc64le', // Node on Linux/POWER is little-endian and says 'ppc64'
	s390x: 's390x',
	riscv64: 'riscv64',
	mips: 'mips',
	mipsel: 'mipsle',
	loong64: 'loong64',
};

export function hostPlatform(): Platform {
	const architecture = GOARCH[process.arch] ?? process.arch;
	if (architecture === 'arm') {
		const armVersion = (process.config.variables as Record<string, unknown>).arm_version;
		return { os: 'linux', architecture, variant: `v${typeof armVersion === 'string' || typeof armVersion === 'number' ? armVersion : 7}` };
	}
	return { os: 'linux', architecture };
}

export interface PlatformEntry {
	digest: string;
	mediaType?: string;
	size?: number;
	platform?: { os?: string; architecture?: string; variant?: string };
}

/**
 * The index entry for a platform. Variants are compared only when the wanted
 * platform names one; arm64 images usually say v8 or nothing, and both run.
 * Attestation entries (platform unknown/unknown) never match a real platform.
 */
export function pickPlatform<T extends PlatformEntry>(entries: readonly T[], wanted: Platform): T | undefined {
	const candidates = entries.filter((entry) => entry.platform?.os === wanted.os && entry.platform?.architecture === wanted.architecture);
	if (!wanted.variant) {
		return candidates.find((entry) => !entry.platform?.variant || (wanted.architecture === 'arm64' && entry.platform.variant === 'v8')) ?? candidates[0];
	}
	return (
		candidates.find((entry) => entry.platform?.variant === wanted.variant) ??
		candidates.find((entry) => !entry.platform?.variant && (wanted.architecture !== 'arm' || wanted.variant === 'v7'))
	);
}

export function formatPlatform(platform: Platform): string {
	return `${platform.os}/${platform.architecture}${platform.variant ? `/${platform.variant}` : ''}`;
}
