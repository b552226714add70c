# LibTorch-dependent sources of tenuki (networks, checkpoints, the torch evaluator, the network
# agents, training commands; winograd_*.cpp have no LibTorch but only network.cpp uses them).
# Included from agents/ and experiments/; the targets that compile these link ${TORCH_LIBRARIES}.
# With TENUKI_WITH_TORCH=OFF the lists are empty and the commands and agents that need a network
# report that the build has no LibTorch.
if(TENUKI_WITH_TORCH)
  set(TENUKI_TORCH_SOURCES
    ${PROJECT_SOURCE_DIR}/agents/net/network.cpp
    ${PROJECT_SOURCE_DIR}/agents/net/winograd_net.cpp
    ${PROJECT_SOURCE_DIR}/agents/net/winograd_kernels.cpp
    ${PROJECT_SOURCE_DIR}/agents/net/checkpoint.cpp
    ${PROJECT_SOURCE_DIR}/agents/net/torch_evaluator.cpp
    ${PROJECT_SOURCE_DIR}/agents/net/policy_agent.cpp
    ${PROJECT_SOURCE_DIR}/agents/net/net_agent.cpp
    ${PROJECT_SOURCE_DIR}/agents/net/batching_evaluator.cpp
    ${PROJECT_SOURCE_DIR}/agents/net/shared_inference.cpp
  )
  # Commands that need networks (no LibTorch include of their own).
  set(TENUKI_TORCH_EXPERIMENT_SOURCES
    ${PROJECT_SOURCE_DIR}/experiments/cli/bench_net.cpp
    ${PROJECT_SOURCE_DIR}/experiments/cli/inference_setup.cpp
    ${PROJECT_SOURCE_DIR}/experiments/cli/learner_cli.cpp
    ${PROJECT_SOURCE_DIR}/experiments/cli/selfplay_cli.cpp
    ${PROJECT_SOURCE_DIR}/experiments/cli/train_cli.cpp
    ${PROJECT_SOURCE_DIR}/experiments/cli/train_curriculum.cpp
    ${PROJECT_SOURCE_DIR}/experiments/cli/transfer_cli.cpp
  )
else()
  set(TENUKI_TORCH_SOURCES ${PROJECT_SOURCE_DIR}/agents/net/no_torch.cpp)
  set(TENUKI_TORCH_EXPERIMENT_SOURCES ${PROJECT_SOURCE_DIR}/experiments/cli/no_torch_commands.cpp)
endif()
