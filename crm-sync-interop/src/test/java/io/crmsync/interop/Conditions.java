package io.crmsync.interop;

import java.time.Duration;
import okhttp3.OkHttpClient;

/**
 * What an emulator is made to do to the adapter talking to it.
 *
 * @param clock the fake clock every emulator and adapter of a test shares
 * @param seed where the emulator's random fault injection starts
 * @param faultRate the share of requests answered with a fault, spread over the emulator's kinds (server errors,
 *     HTML pages, connections dropped and bodies cut short after the server acted, garbled JSON); 0 for none
 * @param limits whether the emulator keeps the request limits its vendor documents for the plan each side names
 * @param tokenLifetime how long access tokens live on the clock, where the CRM's authentication has tokens that expire
 * @param roundTrip how long each HTTP exchange takes on the clock
 */
record Conditions(WireClock clock, long seed, double faultRate, boolean limits, Duration tokenLifetime,
    Duration roundTrip) {

  /** A client for adapters under these conditions. */
  OkHttpClient httpClient() {
    return Emulated.CLIENT.newBuilder().addInterceptor(clock.exchanges(roundTrip)).build();
  }
}
