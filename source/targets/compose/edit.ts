import { readFile } from 'node:fs/promises';
import type { ComposeProject } from './cli.js';
import { parseEnvFile } from './env-file.js';
import { envFileOf } from './labels.js';
import { rewriteImage } from './rewrite.js';
import { isSecretName } from '../../text/redact.js';
import type { ComposeFileInput, EnvFileInput, FileEdit, LocatedImage } from './types.js';

// The edit of one service's tag, computed from the files as they are on disk
// now: at plan time (shown by --dry-run) and again at run time, so services of
// one project upgraded one after the other each edit what the previous one left.

export interface ServiceEdit {
	located: LocatedImage;
	edits: FileEdit[];
	/** Variables the env file defines (with a value): the shell must not override them for Compose. */
	strip: string[];
	/** Secret values the env file holds (never journaled). */
	secrets: string[];
}

async function readOptional(path: string): Promise<string | undefined> {
	try {
		return await readFile(path, 'utf8');
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
		throw error;
	}
}

export async function readProjectFiles(project: ComposeProject): Promise<{ files: ComposeFileInput[]; envFile: EnvFileInput }> {
	const files: ComposeFileInput[] = [];
	for (const path of project.files) files.push({ path, text: await readFile(path, 'utf8') });
	const envPath = envFileOf(project);
	return { files, envFile: { path: envPath, text: await readOptional(envPath) } };
}

export function definedVariables(envFile: EnvFileInput): string[] {
	if (envFile.text === undefined) return [];
	const parsed = parseEnvFile(envFile.path, envFile.text);
	return [...new Set(parsed.entries.filter((entry) => entry.value !== undefined).map((entry) => entry.key))];
}

/** Values the env file gives to secret-looking names: the redactor masks them wherever Compose might echo them. */
export function secretValues(envFile: EnvFileInput): string[] {
	if (envFile.text === undefined) return [];
	const parsed = parseEnvFile(envFile.path, envFile.text);
	return parsed.entries.filter((entry) => entry.value && isSecretName(entry.key)).map((entry) => entry.value!);
}

export async function serviceEdit(project: ComposeProject, service: string, newTag: string): Promise<ServiceEdit> {
	const input = await readProjectFiles(project);
	// locate.ts loads the YAML parser: only when a Compose service is planned.
	const { locateImage } = await import('./locate.js');
	const located = locateImage({ ...input, service });
	return { located, edits: rewriteImage(located, newTag), strip: definedVariables(input.envFile), secrets: secretValues(input.envFile) };
}
