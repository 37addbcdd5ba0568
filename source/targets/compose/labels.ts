import { dirname, isAbsolute, join, normalize } from 'node:path';
import type { ContainerInspectInfo } from 'dockerode';
import type { ComposeProject } from './cli.js';

// What Compose records on each container it creates: which project and
// service, from which working dir and files. Both Compose v1 (1.29) and v2
// write these, and the --env-file when one was given (else Compose reads
// <working dir>/.env).

export const LABEL = {
	project: 'com.docker.compose.project',
	service: 'com.docker.compose.service',
	workingDir: 'com.docker.compose.project.working_dir',
	configFiles: 'com.docker.compose.project.config_files',
	envFile: 'com.docker.compose.project.environment_file',
	oneoff: 'com.docker.compose.oneoff',
	configHash: 'com.docker.compose.config-hash',
	version: 'com.docker.compose.version',
} as const;

export interface ComposeLabels {
	project: ComposeProject;
	service: string;
	oneoff: boolean;
	configHash?: string;
	/** The Compose version that created the container. */
	version?: string;
}

export function isComposeManaged(labels: Record<string, string> | null | undefined): boolean {
	return Boolean(labels?.[LABEL.project]);
}

/** The project and service of a Compose container; a problem in words when the labels do not say enough. */
export function composeLabels(info: ContainerInspectInfo): ComposeLabels | { problem: string } {
	const labels = info.Config.Labels ?? {};
	const project = labels[LABEL.project];
	const service = labels[LABEL.service];
	const workingDir = labels[LABEL.workingDir];
	const configFiles = labels[LABEL.configFiles];
	if (!project || !service) return { problem: 'its labels name no Compose project and service' };
	if (!workingDir || !configFiles) {
		return { problem: `its labels do not say where project ${project}'s files are (no ${LABEL.workingDir} / ${LABEL.configFiles}: created by a Compose older than 1.25?)` };
	}
	const files = configFiles.split(',').filter(Boolean);
	const inDir = (file: string) => (isAbsolute(file) ? file : join(invokedFrom(workingDir, files[0]!), file));
	// v2 separates several env files with commas; which one defines a variable would decide
	// which file to edit, so only the plain case (one, or the default .env) is taken.
	const envFiles = labels[LABEL.envFile]?.split(',').filter(Boolean).map(inDir);
	if (envFiles && envFiles.length > 1) return { problem: `project ${project} was started with several env files (${envFiles.join(', ')}), which the wizard does not edit yet` };
	return {
		project: {
			name: project,
			workingDir,
			files: files.map(inDir),
			...(envFiles && envFiles.length > 0 ? { envFile: envFiles[0] } : {}),
		},
		service,
		oneoff: labels[LABEL.oneoff] === 'True',
		configHash: labels[LABEL.configHash],
		version: labels[LABEL.version],
	};
}

/**
 * v1 records relative `-f` paths as typed, relative to where `up` ran, which
 * it does not record; the working dir it records is the first file's
 * directory, so that file's relative directory, taken off the working dir,
 * is where `up` ran (`-f sub/compose.yml` from /srv: working dir /srv/sub).
 */
export function invokedFrom(workingDir: string, firstFile: string): string {
	if (isAbsolute(firstFile)) return workingDir;
	const sub = dirname(normalize(firstFile));
	if (sub === '.' || sub.startsWith('..')) return workingDir;
	const trimmed = normalize(workingDir).replace(/\/+$/, '');
	return trimmed.endsWith(`/${sub}`) ? trimmed.slice(0, -sub.length - 1) || '/' : workingDir;
}

/** The env file Compose reads for interpolation: the recorded one, else `.env` in the working dir. */
export function envFileOf(project: ComposeProject): string {
	return project.envFile ?? join(project.workingDir, '.env');
}
