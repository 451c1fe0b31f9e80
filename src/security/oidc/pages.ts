/**
 * The short pages a person sees when signing in goes wrong: what happened in one sentence and what to do next (a
 * link to start again). Never a stack trace or a secret; anything that came from the request (a provider's error
 * text) is escaped.
 */
import type { Response } from 'express';

export interface PageAction {
  href: string;
  label: string;
}

export function sendPage(res: Response, status: number, title: string, message: string, action?: PageAction): void {
  const link = action ? `<p><a href="${escapeHtml(action.href)}">${escapeHtml(action.label)}</a></p>` : '';
  const html =
    `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>` +
    `<meta name="viewport" content="width=device-width, initial-scale=1"></head>` +
    `<body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>${link}</body></html>`;
  res.status(status);
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Security-Policy', "default-src 'none'");
  res.send(html);
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
