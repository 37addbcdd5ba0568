import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import { ensurePrivateDir } from './state-dir.js';
import type { Redactor } from '../../text/redact.js';

// Append-only: one line per action, beside the journals, so an operator can
// answer "who changed what, when" without reading run files.
export class AuditLog {
	private constructor(
		readonly path: string,
		private readonly runId: string,
		private readonly redactor: Redactor,
	) {}

	static async open(stateDirectory: string, runId: string, redactor: Redactor): Promise<AuditLog> {
		await ensurePrivateDir(stateDirectory);
		return new AuditLog(join(stateDirectory, 'audit.log'), runId, redactor);
	}

	async record(entry: { container: string; engine?: string; action: string; from?: string; to?: string; detail?: string }): Promise<void> {
		const fields = [
			new Date().toISOString(),
			`user=${userName()}`,
			`run=${this.runId}`,
			...(entry.engine ? [`engine=${entry.engine}`] : []),
			`container=${entry.container}`,
			`action=${entry.action}`,
			`from=${entry.from ?? '-'}`,
			`to=${entry.to ?? '-'}`,
		];
		if (entry.detail) fields.push(`detail=${JSON.stringify(entry.detail)}`);
		await appendFile(this.path, `${this.redactor.text(fields.join(' '))}\n`, { mode: 0o600 });
	}
}

function userName(): string {
	try {
		return userInfo().username;
	} catch {
		return String(process.getuid?.() ?? 'unknown');
	}
}
