package io.crmsync.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crmsync.Alert;
import io.crmsync.CRMSync;
import io.crmsync.SyncReport;
import io.crmsync.TimeSource;
import io.crmsync.queue.NewTask;
import io.crmsync.queue.TaskQueue;
import io.crmsync.state.Checkpoint;
import io.crmsync.state.DeadLetter;
import io.crmsync.state.StateUpdate;
import io.crmsync.state.SyncStateStore;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
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
   * A store written before allLinkedIds() cannot tell whether other source records still map to a
   * target record: propagating deletes over it is refused at once, rather than deleting shared records.
   */
  @Test
  void propagatingDeletesIsRefusedOnAStoreThatCannotFindAllLinks() {
    SyncStateStore memory = SyncStateStore.inMemory();
    SyncStateStore older = new SyncStateStore() {
      @Override
      public Optional<Checkpoint> checkpoint(String jobId) {
        return memory.checkpoint(jobId);
      }

      @Override
      public void saveCheckpoint(String jobId, Checkpoint checkpoint) {
        memory.saveCheckpoint(jobId, checkpoint);
      }

      @Override
      public Map<String, String> linkedIds(String objectType, String fromSystem, Collection<String> fromIds,
          String toSystem) {
        return memory.linkedIds(objectType, fromSystem, fromIds, toSystem);
      }

      @Override
      public Map<String, String> fingerprints(String scope, Collection<String> keys) {
        return memory.fingerprints(scope, keys);
      }

      @Override
      public void apply(StateUpdate update) {
        memory.apply(update);
      }

      @Override
      public List<DeadLetter> deadLetters(String jobId, int limit) {
        return memory.deadLetters(jobId, limit);
      }

      @Override
      public long deadLetterCount(String jobId) {
        return memory.deadLetterCount(jobId);
      }

      @Override
      public String toString() {
        return "OlderStore";
      }
    };
    FakeCrm source = fake("source").build();
    FakeCrm target = fake("target").build();

    assertThatThrownBy(() -> CRMSync.builder().source(source).target(target).stateStore(older).propagateDeletes(true).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("propagateDeletes").hasMessageContaining("allLinkedIds").hasMessageContaining("OlderStore");
    assertThat(CRMSync.builder().source(source).target(target).stateStore(older).build().run().balanced()).isTrue();
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
