import type { Browser } from '@playwright/test';
import type { ViteDevServer } from 'vite';
export declare const chromiumArgs: string[];
export declare const chromiumPath: string;
export declare function startViteServer(port?: number): Promise<{ server: ViteDevServer; url: string }>;
export declare function launchChromium(extraArgs?: string[]): Promise<Browser>;
