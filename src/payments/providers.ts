/** Builds the providers from config: a provider without credentials stays simulated (SPEC §10). */
import type { Config } from '../config.js';
import { PayPalProvider } from './paypal.js';
import { type Providers, SimulatedProvider } from './provider.js';
import { StripeProvider } from './stripe.js';

export function buildProviders(config: Pick<Config, 'stripe' | 'paypal'>, now: () => Date): Providers {
  const { stripe, paypal } = config;
  return {
    stripe: stripe.secretKey ? new StripeProvider(stripe.secretKey, stripe.apiBase) : new SimulatedProvider('stripe'),
    paypal:
      paypal.clientId && paypal.clientSecret
        ? new PayPalProvider(paypal.clientId, paypal.clientSecret, paypal.apiBase, now)
        : new SimulatedProvider('paypal'),
  };
}
