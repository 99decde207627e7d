// promethean-worker: a runtime instance in a process of its own, with libpromethean's runtimes.
#include <promethean/host/worker.hpp>

int main(int argc, char** argv) { return promethean::run_worker(argc, argv); }
