package io.crmsync.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.crmsync.Alert;
import io.crmsync.SyncReport;
import io.crmsync.TimeSource;
import io.crmsync.queue.NewTask;
import io.crmsync.queue.TaskQueue;
import io.crmsync.state.SyncStateStore;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class InMemorySyncEngineTest extends SyncEngineContract {
  @Override
  protected TaskQueue newQueue(TimeSource time) {
    return TaskQueue.inMemory(time);
  }

  @Override
  protected SyncStateStore newStateStore() {
    return SyncStateStore.inMemory();
  }

  /**
   * The in-memory queue carries the engine's batches as objects behind placeholder payloads. A task on
   * the job's topic that nobody attached anything to, placeholder-shaped or not, is not silently taken
   * for a settled one: the run fails loudly and the task stays in the queue's dead letters.
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
