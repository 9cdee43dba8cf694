package io.crmsync.examples;

import io.crmsync.adapter.CRMAdapter;
import io.crmsync.fieldmapping.FieldMapping;
import io.crmsync.gateway.Change;
import io.crmsync.gateway.ChangeStatus;
import io.crmsync.gateway.CrmGateway;
import io.crmsync.gateway.InvalidChangeException;
import io.crmsync.gateway.Receipt;
import io.crmsync.gateway.Target;
import io.crmsync.testkit.FakeCrm;
import java.util.Map;

/** The README's "From your app to every CRM": one call from the host app, delivered to every CRM. */
public final class GatewayExample {
  private GatewayExample() {}

  public static ChangeStatus submit(CRMAdapter salesforce, CRMAdapter hubspot) throws InterruptedException {
    // README:gateway:start
    try (CrmGateway gateway = CrmGateway.builder()
        .target(Target.builder(salesforce).mapping(FieldMapping.defaults("contact")).build())
        .target(Target.builder(hubspot).build())          // FieldMapping.defaults for every object type
        // .backend(PostgresSync.builder().dataSource(ds).build().backend())   to survive restarts
        .build()
        .start()) {                                       // one worker per target

      Receipt receipt = gateway.submit(Change.upsert("contact", Map.of(
              "email", "ada@example.com", "firstName", "Ada", "lastName", "Lovelace"))
          .idempotencyKey("signup-42"));                  // the same key again: the same receipt, nothing queued

      try {
        gateway.submit(Change.upsert("contact", Map.of("email", "not-an-email")));
      } catch (InvalidChangeException e) {
        e.fieldErrors().forEach(f -> System.out.println(f.field() + " " + f.code() + ": " + f.message()));
      }

      ChangeStatus status = gateway.status(receipt);      // per target: PENDING, DELIVERED, FAILED, DEAD_LETTERED
      while (!status.isFinal()) {
        Thread.sleep(10);
        status = gateway.status(receipt);
      }
      System.out.println(status.targets());               // {salesforce=DELIVERED 003..., hubspot=DELIVERED 1001}
      return status;
    }
    // README:gateway:end
  }

  public static void main(String[] args) throws InterruptedException {
    submit(FakeCrm.builder().id("salesforce").build(), FakeCrm.builder().id("hubspot").build());
  }
}
