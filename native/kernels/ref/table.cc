// The reference ("scalar") kernel table: every row, in plain C++. These are the oracle the tests
// compare each ISA against, and the fallback on CPUs without vector extensions.
#include "kernels/ref/ref.h"

namespace dendrite::ref {

void Fill(KernelTable* table) {
  table->sum_squares = SumSquares;
  table->unary = Unary;
  table->unary_grad = UnaryGrad;
  table->binary = Binary;
  table->affine = Affine;
  table->sgemm = Sgemm;
  table->softmax = Softmax;
  table->softmax_grad = SoftmaxGrad;
  table->softmax_cross_entropy = SoftmaxCrossEntropy;
  table->sigmoid_cross_entropy = SigmoidCrossEntropy;
  table->regression_loss = RegressionLoss;
  table->reduce = Reduce;
  table->argmax = Argmax;
  table->column_sum = ColumnSum;
  table->optimizer_update = OptimizerUpdate;
}

}  // namespace dendrite::ref
