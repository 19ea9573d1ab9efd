/** Builds the providers from config: a provider without credentials stays simulated (SPEC §10). */
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { PayPalProvider } from './paypal.js';
import { type Providers, SimulatedProvider } from './provider.js';
import { StripeProvider } from './stripe.js';

export function buildProviders(config: Pick<Config, 'stripe' | 'paypal' | 'production'>, now: () => Date, log: Logger): Providers {
  const { stripe, paypal } = config;
  const providers: Providers = {
    stripe: stripe.secretKey ? new StripeProvider(stripe.secretKey, stripe.apiBase, stripe.filesBase) : new SimulatedProvider('stripe'),
    paypal:
      paypal.clientId && paypal.clientSecret
        ? new PayPalProvider(paypal.clientId, paypal.clientSecret, paypal.apiBase, now)
        : new SimulatedProvider('paypal'),
  };
  // Allowed, as the spec wants, but a production service that moves no money should say so loudly.
  if (config.production)
    for (const p of Object.values(providers))
      if (p.simulated) log.warn({ provider: p.name }, `${p.name} has no credentials: its refunds are simulated and move no money`);
  return providers;
}
