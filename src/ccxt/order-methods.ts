/**
 * The ccxt order methods Herald wraps, by what their result means. ccxt's helpers call each
 * other (`createMarketOrder` → `createOrder`, a default `editOrder` → `cancelOrder` +
 * `createOrder`): only the outermost call notifies (see `withHerald`).
 */

/** What an order call did: placed, changed or cancelled orders. */
export type OrderAction = 'create' | 'edit' | 'cancel';

const CREATE = [
  'createOrder',
  'createOrders',
  'createLimitOrder',
  'createLimitBuyOrder',
  'createLimitSellOrder',
  'createMarketOrder',
  'createMarketBuyOrder',
  'createMarketSellOrder',
  'createMarketOrderWithCost',
  'createMarketBuyOrderWithCost',
  'createMarketSellOrderWithCost',
  'createPostOnlyOrder',
  'createReduceOnlyOrder',
  'createStopOrder',
  'createStopLimitOrder',
  'createStopMarketOrder',
  'createStopLossOrder',
  'createTakeProfitOrder',
  'createTriggerOrder',
  'createTrailingAmountOrder',
  'createTrailingPercentOrder',
  'createOrderWithTakeProfitAndStopLoss',
];
const EDIT = ['editOrder', 'editOrders', 'editLimitOrder', 'editLimitBuyOrder', 'editLimitSellOrder', 'editOrderWithClientOrderId'];
const CANCEL = [
  'cancelOrder',
  'cancelOrders',
  'cancelAllOrders',
  'cancelOrderWithClientOrderId',
  'cancelOrdersWithClientOrderIds',
  'cancelOrdersForSymbols',
  'cancelUnifiedOrder',
];

/** Every wrapped method name (REST and its `…Ws` twin) and its action. */
export const ORDER_METHODS: ReadonlyMap<string, OrderAction> = new Map(
  (
    [
      ['create', CREATE],
      ['edit', EDIT],
      ['cancel', CANCEL],
    ] as const
  ).flatMap(([action, names]) => names.flatMap((n) => [[n, action] as const, [`${n}Ws`, action] as const])),
);
