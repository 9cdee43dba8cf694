package io.crmsync.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.crmsync.CRMSync;
import io.crmsync.SyncReport;
import io.crmsync.model.Contact;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * 10,000 contacts from HubSpot to Salesforce, and 10,000 from Salesforce to HubSpot, through the engine with its
 * defaults: both emulators strict, {@value #FAULT_PERCENT}% of their answers faulty, their vendors' documented limits
 * kept, and tokens expiring every {@link #TOKEN_LIFETIME}. HubSpot runs once as a private app on the Starter plan
 * (the tightest documented limit, 100 requests per 10 seconds; its token never expires) and once as an OAuth app
 * (110 per 10 seconds, access tokens expiring); Salesforce's sessions expire every few seconds in both.
 */
class HubSpotSalesforceStressTest {
  static final int CONTACTS = 10_000;
  static final int FAULT_PERCENT = 4;
  static final Duration TOKEN_LIFETIME = Duration.ofSeconds(4);
  static final Duration ROUND_TRIP = Duration.ofMillis(50);
  private static final List<String> FIGURES = new ArrayList<>();

  static Stream<Arguments> directions() {
    return Stream.of(
        Arguments.of("HubSpot (Starter private app) -> Salesforce", true, HubSpotSide.App.PRIVATE_STARTER),
        Arguments.of("HubSpot (OAuth app) -> Salesforce", true, HubSpotSide.App.OAUTH),
        Arguments.of("Salesforce -> HubSpot (Starter private app)", false, HubSpotSide.App.PRIVATE_STARTER),
        Arguments.of("Salesforce -> HubSpot (OAuth app)", false, HubSpotSide.App.OAUTH));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("directions")
  void tenThousandContacts(String direction, boolean fromHubSpot, HubSpotSide.App app) {
    WireClock clock = new WireClock();
    Conditions conditions = new Conditions(clock, 7, FAULT_PERCENT / 100.0, true, TOKEN_LIFETIME, ROUND_TRIP);
    try (HubSpotSide hubspot = new HubSpotSide(conditions, app);
        SalesforceSide salesforce = new SalesforceSide(conditions)) {
      Side source = fromHubSpot ? hubspot : salesforce;
      Side target = fromHubSpot ? salesforce : hubspot;
      source.seed(People.contacts(fromHubSpot ? "h" : "s", CONTACTS));
      CRMSync sync = CRMSync.builder().source(source.adapter()).target(target.adapter()).timeSource(clock)
          .jobId(source.name() + "-to-" + target.name()).build();

      List<SyncReport> reports = Syncs.runUntilDone(sync, 3, target);

      Syncs.assertSameContacts(source, target);
      if (fromHubSpot) {
        assertThat(salesforce.contacts().values()).as("owned by the user the adapter acts as")
            .allSatisfy(c -> assertThat(c.get(Contact.Fields.OWNER_ID)).isEqualTo(salesforce.integrationUser()));
      } else {
        assertThat(hubspot.contacts().values()).as("no owner: Salesforce's user is not HubSpot's")
            .allSatisfy(c -> assertThat(c).doesNotContainKey(Contact.Fields.OWNER_ID));
      }
      Counts h = hubspot.counts();
      Counts s = salesforce.counts();
      String figures = Figures.of(direction, reports, source, target, clock.elapsed());
      System.out.println(figures);
      FIGURES.add(figures);
      assertThat(h.refusedBesidesExpiredTokens()).as("refused by HubSpot").isEmpty();
      assertThat(s.refusedBesidesExpiredTokens()).as("refused by Salesforce").isEmpty();
      assertThat(h.rateLimitedShare()).as("429 share at HubSpot").isLessThan(0.01);
      assertThat(hubspot.emulator.maxRequestsInAnyWindow(Duration.ofSeconds(10))).as("requests in any 10 s")
          .isLessThanOrEqualTo(hubspot.emulator.rateLimits(app == HubSpotSide.App.OAUTH
              ? io.crmsync.testkit.hubspot.HubSpotEmulator.AppType.PUBLIC_APP
              : io.crmsync.testkit.hubspot.HubSpotEmulator.AppType.PRIVATE_APP).perWindow());
      assertThat(h.faults() + s.faults()).as("faults were injected").isPositive();
      // how many tokens each side took is reported, not asserted: a side renews only if its calls outlive a token,
      // and Salesforce as the source reads everything in the first seconds of the run
    }
  }

  @AfterAll
  static void printFigures() {
    System.out.println(String.join(System.lineSeparator(), FIGURES));
  }
}
