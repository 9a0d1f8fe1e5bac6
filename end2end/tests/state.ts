import { readFileSync } from 'node:fs';
import { STATE_FILE } from '../server';

export function server(): { baseUrl: string; setupUrl: string } {
  return JSON.parse(readFileSync(STATE_FILE, 'utf8'));
}

export const ADMIN = 'admin';
export const ADMIN_PASSWORD = 'e2e admin password';
