package io.crmsync.tck;

import io.crmsync.testkit.FakeCrm;
import static org.assertj.core.api.Assertions.assertThat;

import io.crmsync.Alert;
import io.crmsync.SyncReport;
import io.crmsync.TimeSource;
import io.crmsync.backend.SyncBackend;
import io.crmsync.queue.NewTask;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class InMemorySyncEngineTest extends SyncEngineContract {
  @Override
  protected SyncBackend newBackend(TimeSource time) {
    return SyncBackend.inMemory(time);
  }

  /**
   * The in-memory queue carries the engine's batches as objects. A task on the job's topic that carries
   * none and whose payload is not a batch is not silently taken for a settled one: the run fails loudly
   * and the task stays in the queue's dead letters.
   */
  @ParameterizedTest
  @ValueSource(strings = {"{\"inMemoryTask\":999}", "{\"not\":\"a batch\"}"})
  void aTaskWhosePayloadCannotBeReadFailsTheRunAndIsKept(String payload) {
    FakeCrm source = fake("source").build();
    FakeCrm target = fake("target").build();
    queue.enqueue("crmsync:job", List.of(NewTask.of(payload)));

    SyncReport report = sync(source, target).build().run();

    assertThat(report.status()).isEqualTo(SyncReport.Status.FAILED);
    assertThat(alerts).anySatisfy(a -> {
      assertThat(a.kind()).isEqualTo(Alert.Kind.SYNC_FAILED);
      assertThat(a.message()).contains("cannot be read");
    });
    assertThat(queue.deadLetters("crmsync:job", 10)).singleElement()
        .satisfies(d -> assertThat(d.payload()).isEqualTo(payload));
  }
}
