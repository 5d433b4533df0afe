#include "kernels/avx512/avx512.h"

namespace dendrite::avx512 {

void Fill(KernelTable* table) {
  table->sum_squares = SumSquares;
  table->unary = Unary;
  table->unary_grad = UnaryGrad;
  table->binary = Binary;
  table->affine = Affine;
  table->softmax = Softmax;
  table->softmax_grad = SoftmaxGrad;
  table->softmax_cross_entropy = SoftmaxCrossEntropy;
  table->sigmoid_cross_entropy = SigmoidCrossEntropy;
  table->regression_loss = RegressionLoss;
  table->reduce = Reduce;
  table->argmax = Argmax;
  table->column_sum = ColumnSum;
  table->optimizer_update = OptimizerUpdate;
  table->sgemm = Sgemm;
}

}  // namespace dendrite::avx512
