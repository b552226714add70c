# LibTorch-dependent sources of tenuki (networks, checkpoints, the torch evaluator, the network
# agents, training commands). Included from agents/, experiments/ and tests/; the targets that
# compile these link ${TORCH_LIBRARIES}. With TENUKI_WITH_TORCH=OFF the lists are empty and the
# commands and agents that need a network report that the build has no LibTorch.
if(TENUKI_WITH_TORCH)
  set(TENUKI_TORCH_SOURCES
    ${PROJECT_SOURCE_DIR}/agents/network.cpp
    ${PROJECT_SOURCE_DIR}/agents/checkpoint.cpp
    ${PROJECT_SOURCE_DIR}/agents/torch_evaluator.cpp
    ${PROJECT_SOURCE_DIR}/agents/policy_agent.cpp
    ${PROJECT_SOURCE_DIR}/agents/net_agent.cpp
  )
  # Commands that need networks (no LibTorch include of their own).
  set(TENUKI_TORCH_EXPERIMENT_SOURCES
    ${PROJECT_SOURCE_DIR}/experiments/bench_net.cpp
    ${PROJECT_SOURCE_DIR}/experiments/train_cli.cpp
    ${PROJECT_SOURCE_DIR}/experiments/shared_inference.cpp
    ${PROJECT_SOURCE_DIR}/experiments/transfer_cli.cpp
    ${PROJECT_SOURCE_DIR}/experiments/experiment_spec.cpp
    ${PROJECT_SOURCE_DIR}/experiments/experiment_plan.cpp
    ${PROJECT_SOURCE_DIR}/experiments/experiment_runner.cpp
    ${PROJECT_SOURCE_DIR}/experiments/experiment_results.cpp
    ${PROJECT_SOURCE_DIR}/experiments/experiment_cli.cpp
  )
  set(TENUKI_TORCH_TEST_SOURCES
    ${PROJECT_SOURCE_DIR}/tests/test_network.cpp
    ${PROJECT_SOURCE_DIR}/tests/test_selfplay.cpp
    ${PROJECT_SOURCE_DIR}/tests/test_dtype_choice.cpp
    ${PROJECT_SOURCE_DIR}/tests/test_go_learning.cpp
    ${PROJECT_SOURCE_DIR}/tests/test_crash_safety.cpp
    ${PROJECT_SOURCE_DIR}/tests/test_cli_net.cpp
    ${PROJECT_SOURCE_DIR}/tests/test_transfer.cpp
    ${PROJECT_SOURCE_DIR}/tests/test_transfer_training.cpp
    ${PROJECT_SOURCE_DIR}/tests/test_experiment.cpp
  )
else()
  set(TENUKI_TORCH_SOURCES ${PROJECT_SOURCE_DIR}/agents/no_torch.cpp)
  set(TENUKI_TORCH_EXPERIMENT_SOURCES ${PROJECT_SOURCE_DIR}/experiments/no_torch_commands.cpp)
  set(TENUKI_TORCH_TEST_SOURCES "")
endif()
