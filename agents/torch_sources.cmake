# LibTorch-dependent sources of tenuki (networks, checkpoints, the torch evaluator, the policy
# agent). Included from agents/CMakeLists.txt; the target that compiles these must link
# ${TORCH_LIBRARIES} (find_package(Torch REQUIRED)) and nlohmann_json::nlohmann_json.
set(TENUKI_TORCH_SOURCES
  ${PROJECT_SOURCE_DIR}/agents/network.cpp
  ${PROJECT_SOURCE_DIR}/agents/checkpoint.cpp
  ${PROJECT_SOURCE_DIR}/agents/torch_evaluator.cpp
  ${PROJECT_SOURCE_DIR}/agents/policy_agent.cpp
)
# `tenuki bench net` and the Leela Zero weights writer (no LibTorch include; belongs to the
# experiments library, which links the agents library).
set(TENUKI_TORCH_EXPERIMENT_SOURCES
  ${PROJECT_SOURCE_DIR}/experiments/bench_net.cpp
)
set(TENUKI_TORCH_TEST_SOURCES
  ${PROJECT_SOURCE_DIR}/tests/test_network.cpp
)
